"""One editor widget per kind of settings field.

Each editor renders a value without emitting anything and calls ``on_edit``
only for the user's own edits, so rendering state never loops back as intent.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from ui.field_info import FieldSpec, choice_label

_NO_BOUND = 1_000_000_000


class FieldEditor:
    """Base: the widget, its current value, and rendering without emitting."""

    widget: QWidget

    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        self.spec = spec
        self._on_edit = on_edit

    def value(self) -> object:
        raise NotImplementedError

    def set_value(self, value: object) -> None:
        raise NotImplementedError

    def input_problem(self) -> str | None:
        """Why what the user typed cannot be used yet, if so."""
        return None

    def _decorate(self, widget: QWidget) -> None:
        widget.setAccessibleName(self.spec.label)
        widget.setToolTip(self.spec.description)


class ChoiceEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.combo = QComboBox()
        for choice in spec.choices:
            self.combo.addItem(choice_label(choice), choice)
        self.combo.activated.connect(self._on_combo_activated)
        self._decorate(self.combo)
        self.widget = self.combo

    def _on_combo_activated(self, _index: int) -> None:
        self._on_edit()

    def value(self) -> object:
        return self.combo.currentData()

    def set_value(self, value: object) -> None:
        index = self.combo.findData(value)
        if index >= 0:
            self.combo.setCurrentIndex(index)


class BoolEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.check = QCheckBox()
        self.check.clicked.connect(self._on_check_clicked)
        self._decorate(self.check)
        self.widget = self.check

    def _on_check_clicked(self, _checked: bool) -> None:
        self._on_edit()

    def value(self) -> object:
        return self.check.isChecked()

    def set_value(self, value: object) -> None:
        self.check.setChecked(bool(value))


def _range_text(spec: FieldSpec, unit: str = "") -> str:
    low = "" if spec.minimum is None else f"{spec.minimum:g}"
    high = "" if spec.maximum is None else f"{spec.maximum:g}"
    return f"Enter a number from {low} to {high}{unit}."


class IntEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.spin = QSpinBox()
        low = -_NO_BOUND if spec.minimum is None else math.ceil(spec.minimum)
        high = _NO_BOUND if spec.maximum is None else math.floor(spec.maximum)
        self.spin.setRange(low, high)
        self.spin.setKeyboardTracking(False)
        if high - low >= 1000:
            self.spin.setSingleStep(10)
        self.spin.valueChanged.connect(self._on_spin_value_changed)
        self._decorate(self.spin)
        self.widget = self.spin

    def _on_spin_value_changed(self, _value: int) -> None:
        self._on_edit()

    def value(self) -> object:
        return self.spin.value()

    def set_value(self, value: object) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            blocked = self.spin.blockSignals(True)
            self.spin.setValue(int(value))
            self.spin.blockSignals(blocked)

    def input_problem(self) -> str | None:
        return None if self.spin.hasAcceptableInput() else _range_text(self.spec)


class FloatEditor(FieldEditor):
    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.spin = QDoubleSpinBox()
        low = -float(_NO_BOUND) if spec.minimum is None else spec.minimum
        high = float(_NO_BOUND) if spec.maximum is None else spec.maximum
        span = high - low
        self.spin.setDecimals(3 if span >= 100 else 2)
        self.spin.setRange(low, high)
        self.spin.setSingleStep(0.05 if span <= 2 else 0.1 if span <= 20 else 1.0)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._on_spin_value_changed)
        self._decorate(self.spin)
        self.widget = self.spin

    def _on_spin_value_changed(self, _value: float) -> None:
        self._on_edit()

    def value(self) -> object:
        return round(self.spin.value(), self.spin.decimals())

    def set_value(self, value: object) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            blocked = self.spin.blockSignals(True)
            self.spin.setValue(float(value))
            self.spin.blockSignals(blocked)

    def input_problem(self) -> str | None:
        return None if self.spin.hasAcceptableInput() else _range_text(self.spec)


class TextEditor(FieldEditor):
    """Single line; the edit counts when the user presses Enter or leaves."""

    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.line = QLineEdit()
        self.line.setClearButtonEnabled(True)
        self.line.editingFinished.connect(self._on_line_editing_finished)
        self._decorate(self.line)
        self.widget = self.line

    def _on_line_editing_finished(self) -> None:
        self._on_edit()

    def value(self) -> object:
        return self.line.text().strip()

    def set_value(self, value: object) -> None:
        self.line.setText("" if value is None else str(value))


class LongTextEditor(FieldEditor):
    """Multi-line; the owner decides when an edit counts (an Apply button)."""

    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self._decorate(self.text)
        self.widget = self.text

    def value(self) -> object:
        return self.text.toPlainText().strip()

    def set_value(self, value: object) -> None:
        self.text.setPlainText("" if value is None else str(value))


class IntOrUnlimitedEditor(FieldEditor):
    """A spin box plus an "Unlimited" box that stands for the literal ``"inf"``."""

    def __init__(self, spec: FieldSpec, on_edit: Callable[[], None]) -> None:
        super().__init__(spec, on_edit)
        self.spin = QSpinBox()
        self.spin.setRange(
            1 if spec.minimum is None else math.ceil(spec.minimum),
            _NO_BOUND if spec.maximum is None else math.floor(spec.maximum),
        )
        self.spin.setKeyboardTracking(False)
        self.spin.setSingleStep(64)
        self.spin.setValue(self.spin.maximum())  # what "unlimited" unticked starts from
        self.spin.valueChanged.connect(self._on_spin_value_changed)
        self.unlimited = QCheckBox("Unlimited")
        self.unlimited.setAccessibleName(f"{spec.label}: unlimited")
        self.unlimited.setToolTip("No limit ('inf').")
        self.unlimited.clicked.connect(self._on_unlimited_clicked)
        self._decorate(self.spin)
        self.widget = QWidget()
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.spin, 1)
        row.addWidget(self.unlimited)

    def _on_spin_value_changed(self, _value: int) -> None:
        self._on_edit()

    def _on_unlimited_clicked(self, checked: bool) -> None:
        self.spin.setEnabled(not checked)
        self._on_edit()

    def value(self) -> object:
        return "inf" if self.unlimited.isChecked() else self.spin.value()

    def set_value(self, value: object) -> None:
        unlimited = value == "inf"
        self.unlimited.setChecked(unlimited)
        self.spin.setEnabled(not unlimited)
        if isinstance(value, int) and not isinstance(value, bool):
            blocked = self.spin.blockSignals(True)
            self.spin.setValue(value)
            self.spin.blockSignals(blocked)

    def input_problem(self) -> str | None:
        if self.unlimited.isChecked() or self.spin.hasAcceptableInput():
            return None
        return _range_text(self.spec)


def make_editor(spec: FieldSpec, on_edit: Callable[[], None], multiline: bool) -> FieldEditor:
    if spec.kind == "choice":
        return ChoiceEditor(spec, on_edit)
    if spec.kind == "bool":
        return BoolEditor(spec, on_edit)
    if spec.kind == "int":
        return IntEditor(spec, on_edit)
    if spec.kind == "float":
        return FloatEditor(spec, on_edit)
    if spec.kind == "int_or_inf":
        return IntOrUnlimitedEditor(spec, on_edit)
    return LongTextEditor(spec, on_edit) if multiline else TextEditor(spec, on_edit)


def spin_line_edit(editor: FieldEditor) -> QLineEdit | None:
    """The text field inside a spin-box editor, to watch what is being typed."""
    spin = getattr(editor, "spin", None)
    if isinstance(spin, QSpinBox | QDoubleSpinBox):
        return spin.lineEdit()
    return None
