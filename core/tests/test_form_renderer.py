import re

from django import forms
from django.forms.renderers import DjangoTemplates

from core.widgets import FormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "---"), ("x", "X <b>&"), ("群", [("1", "一"), ("2", "二")])],
        required=False,
        initial="2",
    )
    several = forms.MultipleChoiceField(
        choices=[("p", "P"), ("q", "Q")],
        initial=["q"],
        widget=forms.SelectMultiple(attrs={"data-x": "1", "disabled": True}),
    )


def _normal(html):
    return re.sub(r">\s+<", "><", html.strip())


def test_selects_render_as_djangos_own_templates_do():
    """The one-pass select (core.widgets.render_select) gives Django's markup: values,
    labels escaped, groups, the selected options and the attributes."""
    fast = Choices(renderer=FormRenderer())
    slow = Choices(renderer=DjangoTemplates())
    for name in ("plain", "several"):
        assert _normal(str(fast[name])) == _normal(str(slow[name]))
    assert "X &lt;b&gt;&amp;" in str(fast["plain"])
    assert '<optgroup label="群">' in str(fast["plain"])


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    assert isinstance(get_default_renderer(), FormRenderer)
