"""Opening a network trained in plain PyTorch: state_dicts (nn.Sequential's names or any names that
chain), foreign safetensors, refusals with one clear line, and `main.py import`; the imported
network's probabilities equal PyTorch's forward pass of the same weights on the same raw features."""

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from conftest import PENGUINS, ROOT
from core import torch_import as ti
from core.cli import main as cli_main
from core.errors import UserError
from core.model import load_model

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


def penguins():
    df = pd.read_csv(PENGUINS).dropna()
    X = torch.tensor(df[FEATURES].to_numpy(), dtype=torch.float32)
    y = torch.tensor(df["species"].map({c: i for i, c in enumerate(CLASSES)}).to_numpy())
    return df, X, y


def trained_sequential(activation=nn.ReLU, steps=30, seed=0):
    """A real nn.Sequential trained a few steps on the raw penguin features."""
    torch.manual_seed(seed)
    _, X, y = penguins()
    model = nn.Sequential(nn.Linear(4, 8), activation(), nn.Linear(8, 6), activation(),
                          nn.Linear(6, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    return model


def torch_probabilities(model, X):
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(X, dtype=torch.float32)), dim=1).numpy()


def test_sequential_state_dict_through_the_cli_then_classify(tmp_path):
    model = trained_sequential()
    pt = tmp_path / "penguins.pt"
    torch.save(model.state_dict(), pt)
    out = tmp_path / "penguins.safetensors"
    assert cli_main(["import", str(pt), "--features", ",".join(FEATURES), "--classes",
                     ",".join(CLASSES), "--out", str(out)]) == 0
    m = load_model(out)
    assert m.spec.layer_sizes == (4, 8, 6, 3) and m.spec.activation == "relu"
    assert m.feature_names == tuple(FEATURES) and m.class_names == tuple(CLASSES)
    np.testing.assert_array_equal(m.scaler.mean, 0) and np.testing.assert_array_equal(m.scaler.std, 1)
    np.testing.assert_array_equal(m.weights[1], model[2].weight.detach().numpy())
    pred = tmp_path / "pred.csv"
    r = subprocess.run([sys.executable, "main.py", "classify", str(out), str(PENGUINS), "--out",
                        str(pred)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(pred).dropna(subset=FEATURES)
    expected = torch_probabilities(model, got[FEATURES].to_numpy())
    P = got[[f"p_{c}" for c in CLASSES]].to_numpy()
    np.testing.assert_allclose(P, expected, atol=2e-6)  # (the CSV holds the float32 values)
    assert (got["predicted"].to_numpy() == np.array(CLASSES)[expected.argmax(axis=1)]).all()
    assert len(got) == 342


def test_standardised_inputs_with_mean_and_std(tmp_path):
    """Trained on (x - mean) / std in plain PyTorch; --mean/--std make classify scale the same."""
    _, X, y = penguins()
    mean, std = X.mean(0), X.std(0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(40):
        opt.zero_grad()
        nn.functional.cross_entropy(model((X - mean) / std), y).backward()
        opt.step()
    pt = tmp_path / "std.pt"
    torch.save(model.state_dict(), pt)
    out = tmp_path / "std.safetensors"
    assert cli_main(["import", str(pt), "--features", ",".join(FEATURES), "--classes",
                     ",".join(CLASSES), "--mean", ",".join(map(str, mean.tolist())), "--std",
                     ",".join(map(str, std.tolist())), "--out", str(out)]) == 0
    m = load_model(out)
    np.testing.assert_array_equal(m.scaler.mean, mean.numpy())
    expected = torch_probabilities(model, (X - mean) / std)
    P = m.probabilities(X.numpy())
    np.testing.assert_allclose(P, expected, atol=1e-6)
    assert (P.argmax(axis=1) == y.numpy()).mean() > 0.9  # a network that has learnt
    with pytest.raises(UserError, match="--std gives 3 numbers"):
        ti.parse_scaling("1,2,3,4", "1,2,3", 4)


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_activation_and_model_probabilities_equal_pytorch(tmp_path, act):
    model = trained_sequential({"tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[act], steps=10, seed=1)
    pt = tmp_path / "m.pth"
    torch.save(model.state_dict(), pt)
    m = ti.build_model(ti.read_network(pt), FEATURES, CLASSES, act)
    _, X, _ = penguins()
    np.testing.assert_allclose(m.probabilities(X.numpy()), torch_probabilities(model, X), atol=1e-6)


class Named(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 5)
        self.z_out = nn.Linear(5, 3, bias=False)  # no bias: zeros

    def forward(self, x):
        return self.z_out(torch.relu(self.hidden(x)))


def test_arbitrary_names_that_chain_and_a_missing_bias(tmp_path):
    torch.manual_seed(3)
    model = Named()
    pt = tmp_path / "named.pt"
    torch.save(model.state_dict(), pt)
    net = ti.read_network(pt)
    assert net.names == ("hidden.weight", "z_out.weight") and net.missing_bias == ("z_out.weight",)
    np.testing.assert_array_equal(net.biases[1], np.zeros(3, dtype=np.float32))
    m = ti.build_model(net, FEATURES, CLASSES)
    _, X, _ = penguins()
    np.testing.assert_allclose(m.probabilities(X.numpy()), torch_probabilities(model, X), atol=1e-6)
    # plain names, a weight then its bias; a checkpoint dict holding the state_dict
    W1, b1, W2 = torch.randn(6, 2), torch.randn(6), torch.randn(4, 6)
    torch.save({"epoch": 3, "model_state_dict": OrderedDict(W1=W1, b1=b1, W2=W2)}, pt)
    net = ti.read_network(pt)
    assert net.layer_sizes == (2, 6, 4) and net.names == ("W1", "W2")
    np.testing.assert_array_equal(net.biases[0], b1.numpy())


def test_foreign_safetensors_in_natural_order(tmp_path):
    from safetensors.torch import save_file

    model = trained_sequential(steps=5)
    # 12 layers of Sequential: "10.weight" sorts before "2.weight" in the file; the names' numbers order them
    layers = [nn.Linear(4, 7)] + [nn.Linear(7, 7) for _ in range(5)] + [nn.Linear(7, 3)]
    seq = nn.Sequential(*[m for layer in layers for m in (layer, nn.ReLU())][:-1])
    path = tmp_path / "other.safetensors"
    save_file({k: v.contiguous() for k, v in seq.state_dict().items()}, str(path))
    assert ti.is_foreign_safetensors(path)
    net = ti.read_network(path)
    assert net.layer_sizes == (4, 7, 7, 7, 7, 7, 7, 3)
    assert net.names[-1] == "12.weight"
    m = ti.build_model(net, FEATURES, CLASSES)
    _, X, _ = penguins()
    np.testing.assert_allclose(m.probabilities(X.numpy()), torch_probabilities(seq, X), atol=1e-6)
    # ours is not foreign
    out = tmp_path / "ours.safetensors"
    assert cli_main(["import", str(path), "--out", str(out)]) == 0
    assert not ti.is_foreign_safetensors(out)
    assert load_model(out).feature_names == ("f1", "f2", "f3", "f4")
    del model


def test_a_pickled_module_is_refused_without_running_it(tmp_path, capsys):
    model = trained_sequential(steps=1)
    pt = tmp_path / "whole.pt"
    torch.save(model, pt)
    with pytest.raises(UserError, match=r"model.state_dict\(\)") as e:
        ti.read_network(pt)
    assert "refused" in str(e.value) and "\n" not in str(e.value)
    assert cli_main(["import", str(pt)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "whole.pt" in err[0] and "state_dict()" in err[0]
    assert not (tmp_path / "whole.safetensors").exists()


def test_shapes_that_do_not_chain_name_the_tensor(tmp_path):
    pt = tmp_path / "bad.pt"
    torch.save(OrderedDict([("0.weight", torch.randn(8, 4)), ("0.bias", torch.randn(8)),
                            ("2.weight", torch.randn(3, 7)), ("2.bias", torch.randn(3))]), pt)
    with pytest.raises(UserError, match=r"'2\.weight' has shape \(3, 7\).*'0\.weight'.*8 outputs"):
        ti.read_network(pt)
    torch.save(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 3)).state_dict(), pt)
    with pytest.raises(UserError, match=r"'0\.weight' has shape \(2, 1, 3, 3\).*Linear"):
        ti.read_network(pt)
    torch.save(nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.Linear(5, 3)).state_dict(), pt)
    with pytest.raises(UserError, match=r"'1\.weight' has shape \(5,\)"):
        ti.read_network(pt)
    torch.save(OrderedDict([("0.weight", torch.randn(3, 4)), ("0.bias", torch.randn(4))]), pt)
    with pytest.raises(UserError, match=r"bias '0\.bias' has shape \(4,\)"):
        ti.read_network(pt)
    torch.save(torch.randn(3, 4), pt)
    with pytest.raises(UserError, match="not a state_dict"):
        ti.read_network(pt)


def test_wrong_feature_or_class_count_and_cli_exits(tmp_path, capsys):
    model = trained_sequential(steps=1)
    pt = tmp_path / "m.pt"
    torch.save(model.state_dict(), pt)
    with pytest.raises(UserError, match="takes 4 inputs, but --features names 3"):
        ti.build_model(ti.read_network(pt), FEATURES[:3], CLASSES)
    cases = [
        (["--features", "a,b,c"], "takes 4 inputs, but --features names 3 (a, b, c)"),
        (["--classes", "x,y"], "3 outputs (classes), but --classes names 2"),
        (["--features", "a,b,a,d"], "'a' is given twice"),
        (["--activation", "gelu"], "invalid choice"),
        (["--out", str(tmp_path / "nowhere" / "m.safetensors")], "does not exist"),
    ]
    for extra, message in cases:
        r = subprocess.run([sys.executable, "main.py", "import", str(pt), *extra], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (extra, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (extra, r.stderr)
    r = subprocess.run([sys.executable, "main.py", "import", str(tmp_path / "none.pt")], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no such file" in r.stderr
    # no names: defaults, said on stderr; the default output beside the input
    assert cli_main(["import", str(pt)]) == 0
    err = capsys.readouterr().err
    assert "f1, f2, f3, f4" in err and "class 1, class 2, class 3" in err
    m = load_model(tmp_path / "m.safetensors")
    assert m.class_names == ("class 1", "class 2", "class 3")
    # classify refuses a CSV without the network's feature columns, exit 2, one line
    r = subprocess.run([sys.executable, "main.py", "classify", str(tmp_path / "m.safetensors"),
                        str(PENGUINS)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no column 'f1'" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_reorder_keeps_the_answers():
    model = trained_sequential(steps=5)
    net = ti.find_chain([(k, v.numpy()) for k, v in model.state_dict().items()])
    _, X, _ = penguins()
    want_f = FEATURES[::-1]
    want_c = ["Gentoo", "Adelie", "Chinstrap"]
    moved = ti.reorder(ti.reorder(net, FEATURES, want_f, "inputs"), CLASSES, want_c, "outputs")
    m = ti.build_model(moved, want_f, want_c)
    P = m.probabilities(X.numpy()[:, ::-1])
    expected = torch_probabilities(model, X)[:, [2, 0, 1]]
    # inputs summed in another order: float32 rounding of raw grams (~4000) differs
    np.testing.assert_allclose(P, expected, atol=1e-5)


def test_scaling_from_a_csv_as_the_readme_trains(tmp_path, capsys):
    """The README's loop: standardised with X.mean(0), X.std(0, correction=0) of all rows;
    `import --scaling penguins.csv` takes the same scaling from the file."""
    _, X, y = penguins()
    mean, std = X.mean(0), X.std(0, correction=0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(30):
        opt.zero_grad()
        nn.functional.cross_entropy(model((X - mean) / std), y).backward()
        opt.step()
    pt = tmp_path / "penguins.pt"
    torch.save(model.state_dict(), pt)
    names = ["--features", ",".join(FEATURES), "--classes", ",".join(CLASSES)]
    assert cli_main(["import", str(pt), *names, "--scaling", str(PENGUINS)]) == 0
    m = load_model(tmp_path / "penguins.safetensors")
    assert m.label_name == "species"  # the CSV's: classify scores against it
    np.testing.assert_allclose(m.scaler.mean, mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(m.scaler.std, std.numpy(), rtol=1e-6)
    np.testing.assert_allclose(m.probabilities(X.numpy()), torch_probabilities(model, (X - mean) / std),
                               atol=1e-5)
    capsys.readouterr()
    assert cli_main(["import", str(pt), *names, "--scaling", str(PENGUINS), "--mean", "0,0,0,0"]) == 2
    assert cli_main(["import", str(pt), "--scaling", str(PENGUINS)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not both" in err[0] and "needs --features" in err[1]
