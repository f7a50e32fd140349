"""Compare a response with a spec sample by shape: keys, nesting, JSON types, and values."""

from __future__ import annotations

from typing import Any

# Values that legitimately differ between the vendor's sample and a fresh portal.
VOLATILE_KEYS = {"id", "value", "display_value", "image_token", "ci_id", "stage_index", "color"}
# Arrays the samples fill that releasedesk does not store (yet): always empty in answers.
NOT_STORED_ARRAYS = {"assets", "configuration_items"}


def shape_problems(
    expected: Any, actual: Any, path: str = "$", compare_values: bool = True
) -> list[str]:
    """Every place where `actual` lacks a key of `expected` or has another JSON type."""
    problems: list[str] = []
    if expected is None:
        return problems  # the sample shows null: ours may be null or filled in
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
                continue
            problems += shape_problems(value, actual[key], f"{path}.{key}", compare_values)
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {type(actual).__name__}"]
        if expected and not actual and path.rsplit(".", 1)[-1] not in NOT_STORED_ARRAYS:
            # An empty array would pass any element shape: the sample shows one, so must we.
            return [f"{path}: expected at least one element, got an empty array"]
        if expected and actual:
            problems += shape_problems(expected[0], actual[0], f"{path}[0]", compare_values)
        return problems
    if type(expected) is not type(actual):
        return [f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}"]
    key = path.rsplit(".", 1)[-1]
    if compare_values and key not in VOLATILE_KEYS and expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")
    return problems
