import json
import subprocess
import sys

import pytest

from conftest import PENGUINS, ROOT


def run(*args):
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_train_json_and_classify(tmp_path):
    model = tmp_path / "m.safetensors"
    r = run("train", PENGUINS, "--epochs", "60", "--json", "--out", model)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for k in ("epochs", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "device",
              "classes", "features", "rows_used", "rows_dropped", "seconds"):
        assert k in res
    assert res["epochs"] == 60 and res["val_accuracy"] >= 0.95 and res["rows_dropped"] == 2
    assert "epoch 60/60" in r.stderr
    out = tmp_path / "pred.csv"
    r = run("classify", model, PENGUINS, "--out", out)
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0].endswith("predicted,p_Adelie,p_Chinstrap,p_Gentoo") and len(lines) == 345
    assert "left unclassified (lines 5, 273)" in r.stderr
    r = run("classify", model, PENGUINS)
    assert r.returncode == 0 and r.stdout.splitlines()[0] == lines[0]
    gaps = tmp_path / "gaps.csv"  # blank lines: the message still names the lines an editor shows
    text = PENGUINS.read_text().splitlines()
    gaps.write_text("\n".join(text[:3] + [""] + text[3:]) + "\n")
    r = run("classify", model, gaps, "--out", out)
    assert r.returncode == 0 and "left unclassified (lines 6, 274)" in r.stderr, r.stderr


def test_train_options(tmp_path):
    r = run("train", PENGUINS, "--hidden", "8,4", "--activation", "tanh", "--optimizer", "sgd",
            "--lr", "0.1", "--momentum", "0.9", "--batch-size", "32", "--epochs", "5",
            "--loss", "mse", "--val-fraction", "0.2", "--seed", "3", "--device", "cpu",
            "--features", "bill_length_mm,flipper_length_mm", "--label", "species", "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["layer_sizes"] == [2, 8, 4, 3] and res["features"] == ["bill_length_mm",
                                                                     "flipper_length_mm"]


@pytest.mark.parametrize("args,needle", [
    (["train", "nope.csv"], "no such file"),
    (["train", PENGUINS, "--lr", "-1"], "positive"),
    (["train", PENGUINS, "--hidden", "5,x"], "layer sizes"),
    (["train", PENGUINS, "--label", "island"], "no label column named 'island'"),
    (["train", PENGUINS, "--features", "bill_length_mm,wingspan"], "'wingspan'"),
    (["train", PENGUINS, "--device", "tpu"], "invalid choice"),
    (["train", PENGUINS, "--lr", "100", "--epochs", "3"], "diverged"),
    (["classify", PENGUINS, PENGUINS], "not a model file"),
    (["train"], "required"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    r = run(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if "main.py" in ln]) == 1


def test_classify_with_a_missing_column(tmp_path):
    model = tmp_path / "m.safetensors"
    assert run("train", PENGUINS, "--epochs", "1", "--quiet", "--out", model).returncode == 0
    obs = tmp_path / "obs.csv"
    obs.write_text("bill_length_mm,bill_depth_mm,body_mass_g\n1,2,3\n")
    r = run("classify", model, obs)
    assert r.returncode == 2 and "flipper_length_mm" in r.stderr and "Traceback" not in r.stderr


def test_train_warns_about_doubtful_features_on_stderr(tmp_path):
    """Real data: the raw penguins' 'Sample Number' (an ID) alone, then beside a constant column:
    they train, and each warning is one 'warning:' line on stderr (also with --quiet) and an entry
    in the JSON's warnings."""
    import pandas as pd

    from conftest import DATA

    df = pd.read_csv(DATA / "penguins_raw.csv")[["Sample Number", "Species"]]
    data = tmp_path / "ids.csv"
    df.to_csv(data, index=False)
    r = run("train", data, "--epochs", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("main.py train: warning: 'Sample Number' looks like a row number or an "
                               "ID, but every numeric column here does (besides the label), so it is "
                               "used as a feature:"), r.stderr
    assert len(r.stderr.splitlines()) == 1
    df["tag"] = 1
    df.to_csv(data, index=False)
    r = run("train", data, "--features", "Sample Number,tag", "--epochs", "2", "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines == [
        "main.py train: warning: 'Sample Number' looks like a row number or an ID: a network can learn "
        "from it only where a row sits in the file, which says nothing about new data.",
        "main.py train: warning: 'tag' has the same value on every usable row (1): it cannot help tell "
        "the classes apart. Leave it out of the features."], r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["features"] == ["Sample Number", "tag"] and res["warnings"] == [w[24:] for w in lines]
