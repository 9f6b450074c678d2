import numpy as np
import pytest
from sklearn import metrics as skm

from core.dataset import load_csv
from core.metrics import classification_report, confusion_matrix, report_from_confusion


def test_hand_counted_case():
    # 3 classes; counted by hand:   predicted 0  1  2
    #   true 0 (4 rows)                       3  1  0
    #   true 1 (3 rows)                       1  1  1
    #   true 2 (2 rows)                       0  0  2
    y_true = [0, 0, 0, 0, 1, 1, 1, 2, 2]
    y_pred = [0, 0, 1, 0, 0, 1, 2, 2, 2]
    r = classification_report(y_true, y_pred, 3)
    assert r.confusion.tolist() == [[3, 1, 0], [1, 1, 1], [0, 0, 2]]
    assert r.support.tolist() == [4, 3, 2] and r.total == 9
    assert r.accuracy == pytest.approx(6 / 9)
    # precision = diagonal / column sum, recall = diagonal / row sum
    assert r.precision == pytest.approx([3 / 4, 1 / 2, 2 / 3])
    assert r.recall == pytest.approx([3 / 4, 1 / 3, 2 / 2])
    f1_1 = 2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3)
    assert r.f1 == pytest.approx([3 / 4, f1_1, 2 * (2 / 3) / (2 / 3 + 1)])
    assert r.row_shares()[1] == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    pc = r.per_class(["a", "b", "c"])
    assert list(pc) == ["a", "b", "c"] and pc["b"] == dict(precision=0.5, recall=pytest.approx(1 / 3),
                                                           f1=pytest.approx(f1_1), support=3)
    assert isinstance(pc["a"]["support"], int)


def test_zero_divisions_are_zero():
    # class 2 has no rows and is never predicted; class 1 is never predicted
    r = classification_report([0, 0, 1, 1], [0, 0, 0, 0], 3)
    assert r.precision.tolist() == [0.5, 0.0, 0.0]
    assert r.recall.tolist() == [1.0, 0.0, 0.0]
    assert r.f1[1:].tolist() == [0.0, 0.0] and r.f1[0] == pytest.approx(2 / 3)
    assert r.row_shares()[2].tolist() == [0.0, 0.0, 0.0]
    empty = classification_report([], [], 2)
    assert empty.confusion.tolist() == [[0, 0], [0, 0]] and empty.accuracy == 0.0
    assert not np.isnan(empty.f1).any()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        confusion_matrix([0, 3], [0, 1], 3)
    with pytest.raises(ValueError):
        confusion_matrix([0, 1], [0], 3)
    with pytest.raises(ValueError):
        report_from_confusion(np.zeros((2, 3)))


def _nearest_centroid(X, y, k):
    centres = np.stack([X[y == c].mean(axis=0) for c in range(k)])
    return ((X[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)


@pytest.mark.parametrize("features", [["bill_depth_mm"], ["bill_length_mm", "body_mass_g"]])
def test_against_sklearn_on_penguins(penguins_path, features):
    """Real data: the penguins classified by their nearest class mean over one or two features
    (plenty of mistakes, and with bill depth alone Chinstrap is almost never predicted)."""
    ds = load_csv(penguins_path, features=features)
    k = ds.n_classes
    pred = _nearest_centroid(ds.X.astype(np.float64), ds.y, k)
    r = classification_report(ds.y, pred, k)
    labels = list(range(k))
    assert r.confusion.tolist() == skm.confusion_matrix(ds.y, pred, labels=labels).tolist()
    p, rc, f1, s = skm.precision_recall_fscore_support(ds.y, pred, labels=labels, zero_division=0)
    assert r.precision == pytest.approx(p) and r.recall == pytest.approx(rc)
    assert r.f1 == pytest.approx(f1) and r.support.tolist() == s.tolist()
    assert r.accuracy == pytest.approx(skm.accuracy_score(ds.y, pred))
    assert 0 < r.accuracy < 1  # mistakes, so the off-diagonal counts are tested too


def test_against_sklearn_with_a_class_never_predicted(penguins_path):
    ds = load_csv(penguins_path)
    pred = np.where(ds.y == 1, 0, ds.y)  # every Chinstrap called Adelie
    r = classification_report(ds.y, pred, 3)
    p, rc, f1, s = skm.precision_recall_fscore_support(ds.y, pred, labels=[0, 1, 2], zero_division=0)
    assert r.precision == pytest.approx(p) and r.recall == pytest.approx(rc)
    assert r.f1 == pytest.approx(f1) and r.precision[1] == 0.0


def test_file_labels_are_matched_to_classes_and_unknown_ones_counted_apart():
    from core.metrics import label_indices, score_labels

    idx, unknown = label_indices(["a", " b ", "c", None, float("nan"), "", "c", "Z"], ["a", "b"])
    assert idx.tolist() == [0, 1, -2, -1, -1, -1, -2, -2] and unknown == {"c": 2, "Z": 1}
    idx, unknown = label_indices(["1.0", 2, "3", "x"], ["1", "2"])  # classes coded as numbers
    assert idx.tolist() == [0, 1, -2, -2] and unknown == {"3": 1, "x": 1}
    # row 2 has an unknown label, row 3 was not classified: neither is scored
    s = score_labels(["a", "b", "c", "a", "b"], [0, 0, 1, 1, 1], [True, True, True, False, True],
                     ["a", "b"])
    assert s.report.confusion.tolist() == [[1, 0], [1, 1]] and s.scored == 3
    assert s.correct.tolist() == [1, 0, -1, -1, 1]
    assert s.unknown == {"c": 1} and s.unclassified == 1 and s.unlabelled == 0
    j = s.to_json(["a", "b"])
    assert j["accuracy"] == pytest.approx(2 / 3) and j["unknown_labels"] == {"c": 1}
