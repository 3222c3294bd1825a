"""mtls_lint.memo: computed once per instance, stored where later reads find it directly."""

from __future__ import annotations

from mtls_lint.memo import cached_property


class Counted:
    def __init__(self) -> None:
        self.calls = 0

    @cached_property
    def value(self) -> int:
        """The doc."""
        self.calls += 1
        return self.calls * 10


def test_a_value_is_computed_once_per_instance_and_kept_in_its_dict() -> None:
    one, two = Counted(), Counted()
    assert (one.value, one.value, two.value) == (10, 10, 10)
    assert (one.calls, two.calls) == (1, 1)
    assert one.__dict__["value"] == 10
    del one.value  # forgetting works as with functools
    assert one.value == 20


def test_the_class_attribute_is_the_descriptor_with_its_doc() -> None:
    assert Counted.value.__doc__ == "The doc."
