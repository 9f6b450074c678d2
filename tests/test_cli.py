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


def test_train_json_reports_validation_figures():
    """The validation confusion matrix and per-class figures agree with the run's own validation
    accuracy, and best_epoch is the epoch whose validation loss was the lowest printed."""
    import re

    from core.metrics import report_from_confusion

    r = run("train", PENGUINS, "--epochs", "30", "--json", "--seed", "1")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["task"] == "classification"
    conf = res["val_confusion"]
    assert len(conf) == 3 and all(len(row) == 3 for row in conf)
    assert sum(map(sum, conf)) == res["val_rows"] == 102  # 30 % of 342, stratified
    assert sum(conf[i][i] for i in range(3)) / res["val_rows"] == pytest.approx(res["val_accuracy"],
                                                                               abs=1e-6)
    rep = report_from_confusion(conf)
    assert list(res["val_per_class"]) == res["classes"]
    for i, c in enumerate(res["classes"]):
        f = res["val_per_class"][c]
        assert f["support"] == sum(conf[i]) and isinstance(f["support"], int)
        assert f["precision"] == pytest.approx(rep.precision[i], abs=1e-6)
        assert f["recall"] == pytest.approx(rep.recall[i], abs=1e-6)
        assert f["f1"] == pytest.approx(rep.f1[i], abs=1e-6)
    losses = {int(e): float(v) for e, v in re.findall(r"epoch (\d+)/30 .* val loss ([0-9.]+)", r.stderr)}
    assert len(losses) == 30
    assert losses[res["best_epoch"]] == min(losses.values())
    assert res["best_epoch"] == min(e for e, v in losses.items() if v == min(losses.values()))


def test_train_json_without_validation_rows():
    r = run("train", PENGUINS, "--epochs", "2", "--json", "--quiet", "--val-fraction", "0")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["val_rows"] == 0 and res["val_confusion"] is None and res["best_epoch"] is None


def test_classify_json_scores_a_labelled_file(tmp_path):
    """Real penguins with their species, a few relabelled 'Emperor' (a class the network does not
    know) and one label blanked: the score is the file's own predictions against its labels, over
    the known labels only; the unknown ones are counted by name."""
    import pandas as pd

    model = tmp_path / "m.safetensors"
    assert run("train", PENGUINS, "--epochs", "3", "--quiet", "--out", model).returncode == 0
    df = pd.read_csv(PENGUINS)
    df.loc[[10, 20, 30], "species"] = "Emperor"
    df.loc[40, "species"] = ""
    df = df.rename(columns={"species": "SPECIES"})  # the label column matched like a feature
    labelled = tmp_path / "labelled.csv"
    df.to_csv(labelled, index=False)
    r = run("classify", model, labelled, "--json")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1  # with --json and no --out: only the JSON line
    res = json.loads(r.stdout)
    out = tmp_path / "pred.csv"
    assert run("classify", model, labelled, "--out", out).returncode == 0
    pred = pd.read_csv(out, keep_default_na=False)
    classes = ["Adelie", "Chinstrap", "Gentoo"]
    known = pred["SPECIES"].isin(classes) & (pred["predicted"] != "")
    assert res["rows"] == 344 and res["classified"] == 342 and res["unclassified"] == 2
    assert res["task"] == "classification"
    assert res["scored"] == int(known.sum()) == 344 - 2 - 3 - 1  # less unclassified, Emperor, blank
    right = (pred["SPECIES"] == pred["predicted"])[known]
    assert res["accuracy"] == pytest.approx(right.mean(), abs=1e-6)
    expected = [[int(((pred["SPECIES"] == t) & (pred["predicted"] == p) & known).sum())
                 for p in classes] for t in classes]
    assert res["confusion"] == expected and list(res["per_class"]) == classes
    assert res["unknown_labels"] == {"Emperor": 3} and res["unlabelled"] == 1
    assert res["label"] == "SPECIES"
    assert "accuracy" in r.stderr and "'Emperor' (3)" in r.stderr
    # the figures are those of the rows with a known label: Emperor rows are in no count
    assert sum(f["support"] for f in res["per_class"].values()) == res["scored"]


def test_classify_json_without_a_label_column(tmp_path):
    import pandas as pd

    model = tmp_path / "m.safetensors"
    assert run("train", PENGUINS, "--epochs", "1", "--quiet", "--out", model).returncode == 0
    obs = tmp_path / "obs.csv"
    pd.read_csv(PENGUINS).drop(columns=["species"]).head(5).to_csv(obs, index=False)
    r = run("classify", model, obs, "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["rows"] == 5 and res["classified"] + res["unclassified"] == 5
    assert res["label"] is None and "accuracy" not in res and "confusion" not in res
    assert sum(res["counts"].values()) == res["classified"]
    assert "scored" not in r.stderr


def test_early_stopping_keeps_the_best_epoch(tmp_path):
    """A high learning rate overfits the penguins quickly: training stops PATIENCE epochs after the
    lowest validation loss, and every figure and the saved network are that epoch's."""
    import re

    from core.model import load_model

    model = tmp_path / "best.safetensors"
    r = run("train", PENGUINS, "--epochs", "300", "--lr", "0.05", "--early-stopping", "5", "--json",
            "--out", model)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    losses = {int(e): (float(tl), float(v)) for e, tl, v in
              re.findall(r"epoch (\d+)/300  train loss ([0-9.]+) .* val loss ([0-9.]+)", r.stderr)}
    last, best = max(losses), res["best_epoch"]
    assert res["stopped_early"] and last - best == 5 and last < 300
    assert losses[best][1] == min(v for _, v in losses.values())
    assert res["epochs"] == best and load_model(model).epochs_trained == best
    assert f"{res['val_loss']:.4f}" == f"{losses[best][1]:.4f}"
    assert f"{res['train_loss']:.4f}" == f"{losses[best][0]:.4f}"
    # the saved network is the best epoch's: its validation accuracy is the one reported
    conf = res["val_confusion"]
    assert sum(conf[i][i] for i in range(3)) / res["val_rows"] == pytest.approx(res["val_accuracy"])


def test_penalties_and_dropout_on_the_command_line():
    r = run("train", PENGUINS, "--epochs", "3", "--json", "--quiet", "--l2", "0.001", "--l1", "0.0001",
            "--dropout", "0.2")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1])["epochs"] == 3


@pytest.mark.parametrize(("args", "words"), [
    (("--l2", "-1"), "must be 0 or more"), (("--l1", "nan"), "must be 0 or more"),
    (("--dropout", "1"), "at least 0 and below 1"), (("--early-stopping", "0"), "at least 1"),
    (("--early-stopping", "3", "--val-fraction", "0"), "needs validation rows"),
])
def test_bad_cure_values_exit_2_naming_the_range(args, words):
    r = run("train", PENGUINS, "--epochs", "1", *args)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_train_names_the_columns_the_default_choice_left_out(tmp_path):
    """A text column (the penguins' island, as in the full Palmer data) and a row ID are not
    inputs: stderr says so, and how to choose; named features say nothing of the kind."""
    import pandas as pd

    df = pd.read_csv(PENGUINS)
    df.insert(0, "id", range(1, len(df) + 1))
    df.insert(2, "island", ["Torgersen", "Biscoe", "Dream"] * (len(df) // 3) + ["Dream"] * (len(df) % 3))
    path = tmp_path / "penguins_full.csv"
    df.to_csv(path, index=False)
    r = run("train", path, "--epochs", "1")
    assert r.returncode == 0, r.stderr
    assert "not used as features: 'id' and 'island'" in r.stderr and "--features" in r.stderr
    assert "4 features" in r.stderr
    r = run("train", path, "--epochs", "1", "--features", "bill_length_mm,body_mass_g")
    assert r.returncode == 0 and "not used as features" not in r.stderr
