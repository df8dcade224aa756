from django.test import override_settings
from django.urls import reverse, set_script_prefix

from core.links import detail_url


def test_a_detail_url_equals_reverse_for_any_key_and_script_prefix():
    for pk in (1, 7, 10, 9_876_543_210_122, 2**31 - 1):
        assert detail_url("consultations:client_detail", pk) == reverse(
            "consultations:client_detail", args=[pk]
        )
    try:
        set_script_prefix("/yorozu/")
        assert detail_url("consultations:case_detail", 42) == "/yorozu/records/cases/42/"
        assert detail_url("consultations:case_detail", 42) == reverse(
            "consultations:case_detail", args=[42]
        )
    finally:
        set_script_prefix("/")
    assert detail_url("consultations:case_detail", 42) == "/records/cases/42/"


@override_settings(ROOT_URLCONF="core.tests.urls_elsewhere")
def test_another_url_configuration_is_not_mixed_up_with_the_first():
    assert detail_url("consultations:case_detail", 5) == "/elsewhere/cases/5/"
