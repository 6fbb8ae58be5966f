"""A form generated from one settings group model.

Given a group model class from :mod:`desktop.config.settings` and the fields to show,
it builds the right editor per field (bounds, choices, labels and tooltips
all come from the pydantic field info) and reports the user's edits as
``setting_changed("group.field", value)``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pydantic import BaseModel
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from ui.field_editors import FieldEditor, make_editor, spin_line_edit
from ui.field_info import field_spec, validation_error
from ui.theme import PROBLEM_TEXT_STYLE


class SettingsForm(QWidget):
    """Editors for ``fields`` of ``model`` (all fields when ``None``).

    ``multiline`` names text fields edited in a multi-line box; those emit
    only through :meth:`commit`, so their owner decides when an edit counts.

    Signals:
        setting_changed(str, object): ``"group.field"`` and the new, valid,
            typed value, after a user edit (never after :meth:`set_values`).
    """

    setting_changed = Signal(str, object)

    def __init__(
        self,
        group: str,
        model: type[BaseModel],
        fields: Sequence[str] | None = None,
        *,
        multiline: Collection[str] = (),
        labels: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.group = group
        self.model = model
        self._editors: dict[str, FieldEditor] = {}
        self._errors: dict[str, QLabel] = {}
        self._rows: dict[str, list[int]] = {}
        self._rendered: dict[str, object] = {}
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in fields if fields is not None else list(model.model_fields):
            self._add_field(name, name in multiline, (labels or {}).get(name))

    def _add_field(self, name: str, multiline: bool, label_text: str | None) -> None:
        spec = field_spec(self.model, name)
        editor = make_editor(spec, lambda: self._on_editor_edited(name), multiline)
        error = QLabel()
        error.setWordWrap(True)
        error.setObjectName("fieldError")
        error.setStyleSheet(PROBLEM_TEXT_STYLE)
        error.hide()
        font = QFont(error.font())
        font.setPointSizeF(max(font.pointSizeF() * 0.9, 7.0))
        error.setFont(font)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor.widget)
        column.addWidget(error)
        label = QLabel(f"{label_text or spec.label}:")
        label.setBuddy(editor.widget)
        label.setToolTip(spec.description)
        first_row = self._layout.rowCount()
        if multiline:
            # A long text gets the full width, with its label above it.
            self._layout.addRow(label)
            self._layout.addRow(cell)
        else:
            self._layout.addRow(label, cell)
        self._rows[name] = list(range(first_row, self._layout.rowCount()))
        self._editors[name] = editor
        self._errors[name] = error
        line = spin_line_edit(editor)
        if line is not None:
            line.textEdited.connect(lambda _text: self._on_spin_text_edited(name))

    # Rendering --------------------------------------------------------------

    def set_values(self, values: BaseModel) -> None:
        """Show the values of a group model instance; emits nothing."""
        for name, editor in self._editors.items():
            value = getattr(values, name)
            editor.set_value(value)
            self._rendered[name] = value
            self._show_error(name, None)

    def set_value(self, name: str, value: object) -> None:
        """Show one value (for instance a preset) without emitting."""
        self._editors[name].set_value(value)

    def set_field_visible(self, name: str, visible: bool) -> None:
        for row in self._rows[name]:
            self._layout.setRowVisible(row, visible)

    def set_field_enabled(self, name: str, enabled: bool) -> None:
        self._editors[name].widget.setEnabled(enabled)
        cell = self._editors[name].widget.parentWidget()
        label = self._layout.labelForField(cell) if cell is not None else None
        if label is not None:
            label.setEnabled(enabled)
        for row in self._rows[name]:
            item = self._layout.itemAt(row, QFormLayout.ItemRole.SpanningRole)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                widget.setEnabled(enabled)

    # Reading ----------------------------------------------------------------

    def fields(self) -> list[str]:
        return list(self._editors)

    def value(self, name: str) -> object:
        return self._editors[name].value()

    def label_text(self, name: str) -> str:
        """The label the user sees for ``name`` (without the colon)."""
        for row in self._rows[name]:
            for role in (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.SpanningRole):
                item = self._layout.itemAt(row, role)
                widget = item.widget() if item is not None else None
                if isinstance(widget, QLabel):
                    return widget.text().removesuffix(":")
        return ""

    def editor(self, name: str) -> QWidget:
        """The editor widget of ``name`` (a combo box, spin box, check box…)."""
        return self._editors[name].widget

    def error_text(self, name: str) -> str:
        """The inline message currently shown under ``name`` ("" if none)."""
        label = self._errors[name]
        return label.text() if not label.isHidden() else ""

    def commit(self, name: str) -> bool:
        """Validate ``name`` and emit it even if unchanged; ``False`` if invalid."""
        return self._publish(name, force=True)

    # User edits -------------------------------------------------------------

    def _on_editor_edited(self, name: str) -> None:
        self._publish(name, force=False)

    def _on_spin_text_edited(self, name: str) -> None:
        self._show_error(name, self._editors[name].input_problem())

    def _publish(self, name: str, force: bool) -> bool:
        editor = self._editors[name]
        problem = editor.input_problem()
        value = editor.value()
        if problem is None:
            problem = validation_error(self.model, name, value)
        self._show_error(name, problem)
        if problem is not None:
            return False
        if not force and name in self._rendered and self._rendered[name] == value:
            return True
        self._rendered[name] = value
        self.setting_changed.emit(f"{self.group}.{name}", value)
        return True

    def _show_error(self, name: str, problem: str | None) -> None:
        label = self._errors[name]
        label.setText(problem or "")
        label.setVisible(problem is not None)
