"""The Classify dock's banner for stale predictions, and its score box: for a file that carries
the model's label column, the accuracy line (wrong rows marked, a link that selects each in turn)
with the confusion matrix and per-class figures on demand; for a regression network, R², RMSE and
MAE against the file's numbers. The panel (gui/classify/panel.py) owns the scores; this module
only words and shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.wording import one_line, plural
from gui.classify.bars import html_escape

if TYPE_CHECKING:
    from core.metrics import LabelScore


class StaleBanner(QWidget):
    """'Predictions from epoch 3' with a Re-classify button: the table's predictions came from
    another network than the one of the moment (the panel never re-classifies by itself)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("stale")
        self.setStyleSheet("#stale { background: #e8f0f8; border: 1px solid #a9c2dc; "
                           "border-radius: 3px; }")
        sl = QHBoxLayout(self)
        sl.setContentsMargins(6, 2, 2, 2)
        self.label = QLabel("")
        self.label.setWordWrap(True)  # never widens the dock
        self.label.setStyleSheet("color: #1f3f60;")
        self.button = QPushButton("Re-classify")
        self.button.setToolTip("Classify the table again with the network as it is now")
        sl.addWidget(self.label, 1)
        sl.addWidget(self.button)
        self.hide()

    def show_text(self, text: str, epoch: int, enabled: bool):
        """Show `text` ('' hides the banner), the button naming the epoch it would use."""
        if text:
            if self.label.text() != text:
                self.label.setText(text)
            button = f"Re-classify with epoch {epoch}"
            if self.button.text() != button:
                self.button.setText(button)
            self.button.setEnabled(enabled)
        if bool(text) != self.isVisible():
            self.setVisible(bool(text))


class ScoreBox(QWidget):
    """The accuracy (or R²) line with its Matrix button and the matrix below; hidden without a
    label column."""

    wrongClicked = Signal()  # the "N wrong" link: select the next wrong row

    def __init__(self, parent=None):
        super().__init__(parent)
        sb = QVBoxLayout(self)
        sb.setContentsMargins(0, 0, 0, 0)
        sb.setSpacing(3)
        score_row = QHBoxLayout()
        score_row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.label.setWordWrap(True)  # never widens the dock
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setStyleSheet("color: #222;")
        self.label.linkActivated.connect(lambda _: self.wrongClicked.emit())
        self.details_button = QPushButton("Matrix")
        self.details_button.setCheckable(True)
        self.details_button.setToolTip("Show or hide the confusion matrix of the file's labelled rows "
                                       "and each class's precision, recall and F1")
        self.details_button.toggled.connect(self._show_details)
        score_row.addWidget(self.label, 1)
        score_row.addWidget(self.details_button, 0, Qt.AlignmentFlag.AlignTop)
        sb.addLayout(score_row)
        self.details = QLabel("")
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setWordWrap(True)
        self.details.hide()
        sb.addWidget(self.details)
        self.score = None
        self.hide()

    def show_scores(self, score, value_score, class_names):
        """`score`: a LabelScore (classification) or None; `value_score`: a ValueScore (regression)
        or None. Neither: the box hides."""
        self.score = score
        vs = value_score
        self.setVisible(score is not None or vs is not None)
        if vs is not None:  # a number: R², RMSE, MAE against the file's label, no matrix
            self.details_button.hide()
            self.details.hide()
            unscored = f"; {vs.unscored:,} rows not scored (no prediction or no numeric label)" \
                if vs.unscored else ""
            self.label.setText(
                f"Against its <b>{html_escape(vs.label)}</b> column ({vs.rows:,} rows): R² "
                f"<b>{vs.r2:.3f}</b>, RMSE <b>{vs.rmse:.4g}</b>, MAE <b>{vs.mae:.4g}</b>{unscored}")
            self.label.setToolTip(
                "R² = 1 − Σ(true − predicted)² / Σ(true − mean)²: 1 is perfect, 0 is no better than "
                "predicting the mean. RMSE: the root of the mean squared error; MAE: the mean absolute "
                "error, both in the label's units. The error column is predicted − true.")
            return
        self.details_button.show()
        if score is None:
            return
        self.label.setText(score_text(score))
        self.label.setToolTip(details_html(score, class_names) + "<br>Click the wrong count to "
                              "select each wrong row in turn.")
        self.details.setText(details_html(score, class_names, compact=True))
        self.details_button.setEnabled(score.scored > 0)
        self.details.setVisible(self.details_button.isChecked() and score.scored > 0)

    def _show_details(self, shown: bool):
        self.details.setVisible(shown and self.score is not None and self.score.scored > 0)


WRONG_HTML = "#f8c8c4"  # table.WRONG_TINT, as a style
MATRIX_CLASSES = 5  # up to this many classes the matrix is shown inline; more: per-class figures only


def score_text(score: LabelScore) -> str:
    """The accuracy line: right of scored, wrong rows marked, and every row that was not scored."""
    r = score.report
    right = int(r.confusion.trace())
    wrong = score.scored - right
    label = html_escape(one_line(score.label, 30))
    if score.scored:
        mark = (f", <a href='#wrong' style='color:#8b1010; background:{WRONG_HTML}'>&nbsp;{wrong:,}&nbsp;"
                f"wrong&nbsp;</a> marked" if wrong else ", none wrong")
        lines = [f"<b>Accuracy {r.accuracy:.1%}</b> against the file's '{label}' column: "
                 f"{right:,} of {plural(score.scored, 'labelled row')} right{mark}."]
    else:
        lines = [f"<b>No row scored</b> against the file's '{label}' column."]
    if score.unknown:
        n = sum(score.unknown.values())
        shown = list(score.unknown.items())[:3]
        many = len(score.unknown) > 1
        names = ", ".join(f"'{html_escape(one_line(k, 24))}'" + (f" ({v:,})" if many else "")
                          for k, v in shown)
        more = f" and {len(score.unknown) - 3:,} more" if len(score.unknown) > 3 else ""
        kind = "a class" if len(score.unknown) == 1 else "classes"
        verb = "is" if n == 1 else "are"
        lines.append(f"<span style='color:#8a4b00'>{plural(n, 'row')} labelled {names}{more}, {kind} "
                     f"this network does not know, {verb} not scored.</span>")
    if score.unlabelled:
        lines.append(f"<span style='color:#666'>{plural(score.unlabelled, 'row')} without a label "
                     f"{'is' if score.unlabelled == 1 else 'are'} not scored.</span>")
    if score.unclassified:
        lines.append(f"<span style='color:#666'>{plural(score.unclassified, 'labelled row')} left "
                     f"unclassified {'is' if score.unclassified == 1 else 'are'} not scored.</span>")
    return "<br>".join(lines)


def details_html(score: LabelScore, class_names, compact: bool = False) -> str:
    """The confusion matrix (rows: the file's class, columns: the predicted one, numbered as the
    rows) and each class's precision, recall, F1 and rows. `compact` (the dock): names cut to 14
    characters, and past MATRIX_CLASSES classes the figures alone (the tooltip has the matrix)."""
    r = score.report
    k = len(class_names)
    matrix = not compact or k <= MATRIX_CLASSES
    cut = 14 if compact else 40
    th = "style='padding:0 4px; color:#555; font-weight:normal'"
    td = "style='padding:0 4px' align='right'"
    head = [f"<th {th} align='left'>true \\ pred.</th>"]
    if matrix:
        head += [f"<th {th} align='right'>{j + 1}</th>" for j in range(k)]
    head += [f"<th {th} align='right'>{t}</th>" for t in ("prec.", "recall", "F1", "rows")]
    rows = ["<tr>" + "".join(head) + "</tr>"]
    for i, c in enumerate(class_names):
        cells = [f"<td style='padding:0 4px'>{i + 1}&nbsp;{html_escape(one_line(str(c), cut))}</td>"]
        if matrix:
            for j in range(k):
                n = int(r.confusion[i, j])
                style = "padding:0 4px" + ("; font-weight:bold" if i == j else
                                           f"; background:{WRONG_HTML}" if n else "; color:#aaa")
                cells.append(f"<td style='{style}' align='right'>{n:,}</td>")
        cells += [f"<td {td}>{r.precision[i]:.2f}</td>", f"<td {td}>{r.recall[i]:.2f}</td>",
                  f"<td {td}>{r.f1[i]:.2f}</td>", f"<td {td}>{int(r.support[i]):,}</td>"]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = "" if matrix else (f"<br><span style='color:#666'>The {k}×{k} matrix is in the accuracy "
                              f"line's tooltip.</span>")
    return f"<table cellspacing='0'>{''.join(rows)}</table>{note}"
