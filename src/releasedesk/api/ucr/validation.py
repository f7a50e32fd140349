"""A Pydantic validation error as the core error naming the field the UCR way, positions in
arrays included (`milestones[1].date`, `phases[0].name`)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from releasedesk.core.errors import ReleaseDeskError, from_validation_error

Model = TypeVar("Model", bound=BaseModel)


def _indexed_field(loc: tuple[int | str, ...], plain: str | None) -> str | None:
    """The location with its array positions; `plain` (the core's dotted name without
    them) says which parts are fields, the rest being Pydantic's names of union members."""
    if plain is None:
        return None
    names = plain.split(".")
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
        elif names and part == names[0]:
            parts.append(names.pop(0))
    return ".".join(parts) if not names else plain


def wire_error(exc: ValidationError) -> ReleaseDeskError:
    errors = list(exc.errors())
    error = from_validation_error(errors)  # type: ignore[arg-type]
    field = _indexed_field(tuple(errors[0]["loc"]), error.field)
    if field and error.field and field != error.field:
        error.message = error.message.replace(f"'{error.field}'", f"'{field}'")
        error.field = field
    return error


def parse(model: type[Model], payload: object) -> Model:
    """`payload` as `model`, or the error naming the field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise wire_error(exc) from None
