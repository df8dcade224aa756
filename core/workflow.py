"""The one step mechanism: every workflow declares its states and steps here, and takes them here.

A ``Workflow`` names its model, its states and its ``Step``s (from-states, to-state, the
roles that may take the step within their scope, whether a reason is required, whom the
step tells). An app's workflow function takes a step with::

    with PLAN.taking(plan, "submit", user=user) as taken:
        plan = taken.obj          # the row, locked, in the user's scope and in a from-state
        ...                       # the step's own checks (raise StepRefused) and writes

which runs in one transaction with the row locked (``select_for_update``), refuses with
one ``StepRefused`` (a plain, translated message for the user), moves the state, records
one event (who, when, from, to, reason) on the object's ``events`` and sends
``step_taken`` inside the transaction. An attempt to change something in one of the
workflow's ``final_states`` is refused and the refusal itself is recorded.

``registry`` holds every workflow by name (each app registers its own at import of its
workflow module, from its ``AppConfig.ready``). ``StepView`` serves the steps of every
workflow: a confirm page (or the step's form), the POST, the message and the redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

import django.dispatch
from django.contrib import messages
from django.db import models, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core import roles as role_names
from core.scoping import CHANGE, role_of
from core.views import ScopedObjectMixin

# Sent after a step is recorded, inside its transaction, with the keyword arguments
# workflow, obj, step, user, reason and event. Whoever acts on it (notifications) must
# defer anything leaving the database (mail) to ``transaction.on_commit``.
step_taken = django.dispatch.Signal()


class StepRefused(Exception):
    """A step that is not allowed now; the message is plain and translated, for the user.

    ``record``: the refusal is kept as an event (an attempt to change something final).
    """

    def __init__(self, message, *, record: bool = False):
        super().__init__(str(message))
        self.message = str(message)
        self.record = record

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Step:
    """One step: who takes it (``roles``, within their scope), from which states, to which.

    ``target`` is the state the step leads to; None keeps the state (a step that records
    something, such as a review); a frozenset lets the caller choose among them (``to=``).
    ``notify(obj)`` returns the users to tell once the step is taken (None: nobody).
    """

    name: str
    label: str
    sources: frozenset
    target: object
    roles: frozenset
    reason_required: bool = False
    notify: Callable[[object], Iterable] | None = None
    done: str = ""  # the success message

    def leads_to(self, source, to=None):
        if isinstance(self.target, frozenset):
            return to
        return source if self.target is None else self.target


@dataclass
class Taken:
    """A step being taken: the locked object and what the step's body may add."""

    workflow: Workflow
    step: Step
    obj: models.Model
    user: object
    source: object
    target: object
    reason: str = ""
    note: str | None = None  # what the event says; the reason when None
    owner: models.Model | None = None  # where the event goes when not obj's (see Workflow)
    event: models.Model | None = None
    result: object = None  # what the step's body hands back to the view (a message detail)


@dataclass
class Workflow:
    """A workflow's declaration: its model, states and steps, and how its state is read.

    ``scope(user)`` is the queryset of objects a user may act on (default: the model's
    ``for_user(user, CHANGE)``). ``state_of`` reads a state the model does not store in
    ``state_field`` (a budget is decided when it has a date). ``event_owner(obj)`` is the
    object whose ``events`` record the step (default: obj). ``explain(obj, step, state)``
    may give a better message than the generic one for a step out of turn. ``permits(obj,
    step, user)`` narrows a step's roles per record (a bureau's setting): the refusal, or None.
    """

    name: str
    label: str
    model: type[models.Model]
    states: list
    steps: list[Step]
    state_field: str | None = "status"
    state_of: Callable | None = None
    scope_action: str = CHANGE
    scope: Callable | None = None
    event_owner: Callable | None = None
    explain: Callable | None = None
    permits: Callable | None = None
    outside_scope: str = ""
    final_states: frozenset = frozenset()
    _steps: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._steps = {step.name: step for step in self.steps}
        assert len(self._steps) == len(self.steps), f"{self.name}: two steps share a name"
        known = set(self.state_values())
        for step in self.steps:
            targets = step.target if isinstance(step.target, frozenset) else {step.target}
            unknown = (set(step.sources) | (targets - {None})) - known
            assert not unknown, f"{self.name}.{step.name}: unknown states {unknown}"
            assert step.roles <= role_names.ALL, f"{self.name}.{step.name}: unknown roles"

    # --- Reading the declaration ------------------------------------------------------

    def state_values(self) -> list:
        return [value for value, _label in self.states]

    def state_label(self, value) -> str:
        return str(dict(self.states).get(value, value))

    def step(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise Http404(f"{self.name} has no step {name}") from None

    def current(self, obj):
        return self.state_of(obj) if self.state_of else getattr(obj, self.state_field)

    def queryset(self, user):
        """The records ``user`` may take steps on (each step checks its roles too)."""
        if self.scope:
            return self.scope(user)
        return self.model.objects.for_user(user, self.scope_action)

    def refusal(self, obj, name: str, user) -> str | None:
        """Why ``user`` may not take the step on ``obj`` now (None: they may). Reads, locks nothing."""
        step = self.step(name)
        if role_of(user) not in step.roles:
            return self._not_your_role(step)
        if not self.queryset(user).filter(pk=obj.pk).exists():
            return self._outside_scope()
        denied = self.permits(obj, step, user) if self.permits else None
        if denied:
            return str(denied)
        state = self.current(obj)
        if state not in step.sources:
            return self._out_of_turn(obj, step, state)
        return None

    def may_take(self, obj, name: str, user) -> bool:
        return self.refusal(obj, name, user) is None

    def available(self, obj, user) -> list[Step]:
        """The steps ``user`` may take on ``obj`` now: the buttons of its page."""
        return [s for s in self.steps if s.sources and self.may_take(obj, s.name, user)]

    def check_role(self, name: str, user) -> Step:
        """Refuse unless the user's role may take the step (a creation step has no object yet)."""
        step = self.step(name)
        if role_of(user) not in step.roles:
            raise StepRefused(self._not_your_role(step))
        return step

    def lock(self, obj, *, user, roles=None, action: str = ""):
        """``obj`` locked for a change that is not a step (editing a draft): the role (one of
        ``roles``) and the scope are checked as for a step. Call inside a transaction."""
        if roles is not None and role_of(user) not in roles:
            raise StepRefused(
                _("Only %(who)s can take this step: %(step)s.")
                % {"who": role_names.who(roles), "step": action}
            )
        locked = self.queryset(user).select_for_update(of=("self",)).filter(pk=obj.pk).first()
        if locked is None:
            raise StepRefused(self._outside_scope())
        locked._history_user = user
        return locked

    def created(self, obj, name: str, *, user, note: str = ""):
        """Record a creation step (one with no from-state) on a record just saved, or
        save a new one here first (its history names the user)."""
        step = self.step(name)
        assert not step.sources, f"{self.name}.{name} is not a creation step"
        if obj.pk is None:
            obj._history_user = user
            obj.save()
        event = record(
            self._owner(obj), action=step.name, user=user, target=self.current(obj), note=note
        )
        step_taken.send(
            sender=self.model,
            workflow=self,
            obj=obj,
            step=step,
            user=user,
            reason=note,
            event=event,
        )
        return event

    # --- Taking a step ------------------------------------------------------------------

    @contextmanager
    def taking(self, obj, name: str, *, user, reason: str = "", to=None):
        """Take the step ``name`` on ``obj`` (see the module docstring)."""
        step = self.step(name)
        reason = (reason or "").strip()
        try:
            with transaction.atomic():
                taken = self._begin(obj, step, user=user, reason=reason, to=to)
                yield taken
                self._finish(taken)
        except StepRefused as refusal:
            if refusal.record:
                owner = self._owner(obj)
                record(owner, action=step.name, user=user, note=refusal.message, refused=True)
            raise

    def take(self, obj, name: str, *, user, reason: str = "", to=None) -> Taken:
        """Take a step that needs nothing but the move itself."""
        with self.taking(obj, name, user=user, reason=reason, to=to) as taken:
            pass
        return taken

    def step_between(self, source, target) -> Step | None:
        """The step that leads from ``source`` to ``target`` (for a state chosen on a form)."""
        for step in self.steps:
            if source in step.sources and step.leads_to(source, target) == target:
                return step
        return None

    def move(self, obj, target, *, user, reason: str = "") -> Taken:
        """Take the step that leads ``obj`` to ``target`` (a state chosen on a form)."""
        source = self.current(obj)
        step = self.step_between(source, target)
        if step is None:
            raise StepRefused(
                _("A %(thing)s cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "thing": self.model._meta.verbose_name,
                    "from": self.state_label(source),
                    "to": self.state_label(target),
                }
            )
        return self.take(obj, step.name, user=user, reason=reason, to=target)

    def _begin(self, obj, step: Step, *, user, reason: str, to) -> Taken:
        if role_of(user) not in step.roles:
            raise StepRefused(self._not_your_role(step))
        locked = self.queryset(user).select_for_update(of=("self",)).filter(pk=obj.pk).first()
        if locked is None:
            raise StepRefused(self._outside_scope())
        denied = self.permits(locked, step, user) if self.permits else None
        if denied:
            raise StepRefused(denied)
        state = self.current(locked)
        if state not in step.sources:
            # Changing something final is audited; repeating the step that made it final is not.
            audited = state in self.final_states and step.target != state
            raise StepRefused(self._out_of_turn(locked, step, state), record=audited)
        if isinstance(step.target, frozenset) and to not in step.target:
            raise StepRefused(_("Choose where this step leads."))
        if step.reason_required and not reason:
            raise StepRefused(_("Give the reason for this step: %(step)s.") % {"step": step.label})
        locked._history_user = user
        if reason:
            locked._change_reason = reason
        return Taken(self, step, locked, user, state, step.leads_to(state, to), reason)

    def _finish(self, taken: Taken) -> None:
        obj = taken.obj
        # A step that leads somewhere saves the object (its body may have set fields);
        # a step that keeps the state (``target`` None) saves what it changed itself.
        if taken.step.target is not None:
            if self.state_field:
                setattr(obj, self.state_field, taken.target)
            obj.save()
            # A derived state (``state_of``) is moved by the step's body: check it moved.
            assert self.current(obj) == taken.target, f"{self.name}: the state did not move"
        taken.event = record(
            taken.owner or self._owner(obj),
            action=taken.step.name,
            user=taken.user,
            source=taken.source,
            target=taken.target,
            note=taken.reason if taken.note is None else taken.note,
        )
        step_taken.send(
            sender=self.model,
            workflow=self,
            obj=obj,
            step=taken.step,
            user=taken.user,
            reason=taken.reason,
            event=taken.event,
        )

    def _owner(self, obj):
        return self.event_owner(obj) if self.event_owner else obj

    # --- Messages -------------------------------------------------------------------------

    def _not_your_role(self, step: Step) -> str:
        return _("Only %(who)s can take this step: %(step)s.") % {
            "who": role_names.who(step.roles),
            "step": step.label,
        }

    def _outside_scope(self) -> str:
        if self.outside_scope:
            return str(self.outside_scope)
        return _("This %(thing)s is outside your scope.") % {"thing": self.model._meta.verbose_name}

    def _out_of_turn(self, obj, step: Step, state) -> str:
        message = self.explain(obj, step, state) if self.explain else None
        return (
            str(message)
            if message
            else _("A %(thing)s that is “%(state)s” cannot take this step: %(step)s.")
            % {
                "thing": self.model._meta.verbose_name,
                "state": self.state_label(state),
                "step": step.label,
            }
        )


def record(owner, *, action: str, user, source="", target="", note="", refused=False):
    """The one way a step (or a refused attempt) is written: on ``owner.events``.

    Apps that kept their own event table before (plans, rounds, appointments, evaluation
    runs) keep it as the owner's ``events``; the others use ``core.StepEvent`` through a
    ``GenericRelation`` named ``events``. Every one has the same columns.
    """
    return owner.events.create(
        action=action,
        from_status="" if source is None else str(source),
        to_status="" if target is None else str(target),
        user=user,
        note=note or "",
        refused=refused,
    )


def refuse(owner, *, action: str, user, message) -> None:
    """Record a refused attempt to change something final, then refuse it.

    For changes that are not a step of a workflow (a new rules version); steps are
    recorded by ``Workflow.taking`` itself.
    """
    record(owner, action=action, user=user, note=str(message), refused=True)
    raise StepRefused(message)


# --- The registry -----------------------------------------------------------------------

registry: dict[str, Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    registry[workflow.name] = workflow
    return workflow


def step_label(model, action: str) -> str:
    """The name of a recorded step (an event stores the step's code) as the workflow of
    ``model`` gives it, or another workflow that has a step of that code."""
    ordered = sorted(registry.values(), key=lambda workflow: workflow.model is not model)
    for workflow in ordered:
        if action in workflow._steps:
            return str(workflow._steps[action].label)
    return action


# --- The shared step views --------------------------------------------------------------


class StateFormMixin:
    """An edit form that also shows the record's state (``ScopedUpdateView``): the other
    fields save as usual, and a state changed on the form is taken as the workflow's step
    (its roles, its event), in the same transaction; a refusal is shown on the form."""

    workflow: Workflow = None

    def form_valid(self, form):
        field = self.workflow.state_field
        self._wanted_state = form.cleaned_data.get(field)
        setattr(form.instance, field, form.initial.get(field))  # the step moves it
        try:
            return super().form_valid(form)
        except StepRefused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)

    def after_save(self, form):
        super().after_save(form)
        wanted = self._wanted_state
        if wanted not in (None, "") and wanted != self.workflow.current(self.object):
            self.workflow.move(self.object, wanted, user=self.request.user)
            self.object.refresh_from_db()


class ChangeView(ScopedObjectMixin, View):
    """One record and (optionally) a form: GET shows the page, or why it cannot be done
    now; POST does it through the app's function, says so and goes back to the record.

    The base of ``StepView``, and on its own the view of a change that is not a step
    (editing a draft under ``Workflow.lock``). Subclasses set ``model``/``scope_action``,
    ``form_class`` (or ``get_form``), ``run(obj, form)`` and, where the page can say why
    it is closed, ``refusal(obj)``. A ``StepRefused`` is shown on the form, or as a
    message on the record's page (no form, or ``inline_form``). With htmx the redirect
    is an ``HX-Redirect`` header, so a button in a list or an inbox works in place.
    """

    form_class = None
    # The form sits on the record's own page: its problems come back there as messages.
    inline_form = False
    template_name = "core/step_confirm.html"
    title = ""
    submit_label = gettext_lazy("Save")
    done = ""

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_form(self, data=None):
        return None if self.form_class is None else self.form_class(data, **self.form_kwargs())

    def form_kwargs(self) -> dict:
        # A form with a file field gets the upload, wherever it is built.
        if self.request.method == "POST" and self.request.FILES:
            return {"files": self.request.FILES}
        return {}

    def refusal(self, obj) -> str:
        """Why this cannot be done now ("" when it can): shown instead of a live button."""
        return ""

    def get(self, request, *args, **kwargs):
        return self.render(self.get_object(), self.get_form())

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(request.POST)
        if form is not None and not form.is_valid():
            if self.inline_form:
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return self.go_to(obj)
            return self.render(obj, form)
        try:
            result = self.run(obj, form)
        except StepRefused as refusal:
            if form is None or self.inline_form:
                messages.error(request, refusal.message)
                return self.go_to(obj)
            form.add_error(None, refusal.message)
            return self.render(obj, form)
        message = self.result_message(result)
        if message:
            messages.success(request, message)
        return self.go_to(result if isinstance(result, models.Model) else obj)

    def run(self, obj, form):
        raise NotImplementedError

    def result_message(self, result) -> str:
        return str(self.done)

    def success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def go_to(self, obj):
        url = self.success_url(obj)
        if self.request.headers.get("HX-Request"):
            response = HttpResponse()
            response["HX-Redirect"] = url
            return response
        return redirect(url)

    def extra_context(self, obj) -> dict:
        return {}

    def page_context(self, obj, form) -> dict:
        """The heading, the button and, without a form, the question the page asks."""
        return {"title": self.title, "submit_label": self.submit_label, "question": ""}

    def confirmation_lines(self, obj) -> list[str]:
        """Lines the page shows above its button: what it will do."""
        return []

    def render(self, obj, form):
        refusal = self.refusal(obj)
        context = {
            "object": obj,
            "form": form,
            "refusal": refusal,
            "confirmation": [] if refusal else self.confirmation_lines(obj),
            "back": self.success_url(obj),
            **self.page_context(obj, form),
            **self.extra_context(obj),
        }
        return render(self.request, self.template_name, context)


class StepView(ChangeView):
    """A workflow's step: GET the confirm page (or the step's form), POST take it.

    Configured per URL: ``workflow``, ``step`` (or the URL's ``step``/``action`` argument),
    ``form_class`` for a step that asks for more than a click, and ``actions``: the app's
    workflow function per step name, called as ``function(obj, user=user, **form data)``
    (a step without one is the bare move, ``Workflow.take``); or ``take`` overridden.
    The page says the workflow's refusal before the user tries.
    """

    workflow: Workflow = None
    step: str = ""
    actions: dict = {}
    submit_label = ""  # the step's label, or "Save" for a form

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # What the generated authorization test reads; a step reached through another
        # record (registering for an event) declares its own.
        if cls.workflow is not None and "model" not in cls.__dict__:
            cls.model = cls.workflow.model
            cls.scope_action = cls.workflow.scope_action

    def get_queryset(self):
        if self.model is not self.workflow.model:
            return super().get_queryset()
        return self.workflow.queryset(self.request.user)

    def get_step(self) -> Step:
        name = self.kwargs.get("step") or self.kwargs.get("action") or self.step
        if self.actions and name not in self.actions:
            raise Http404
        return self.workflow.step(name)

    def refusal(self, obj) -> str:
        return self.workflow.refusal(obj, self.get_step().name, self.request.user)

    def run(self, obj, form):
        self._step = self.get_step()
        return self.take(obj, self._step, form.cleaned_data if form is not None else {})

    def take(self, obj, step: Step, data: dict):
        """Take the step through the app's function, or as the bare move."""
        action = self.actions.get(step.name)
        if action is None:
            return self.workflow.take(obj, step.name, user=self.request.user)
        return action(obj, user=self.request.user, **data)

    def result_message(self, result) -> str:
        return self.success_message(self._step, result)

    def success_message(self, step: Step, result) -> str:
        if self.done:
            return str(self.done)
        return str(step.done) if step.done else _("Done: %(step)s.") % {"step": step.label}

    def page_context(self, obj, form) -> dict:
        step = self.get_step()
        return {
            "step": step,
            "title": self.title or step.label,
            "submit_label": self.submit_label or (step.label if form is None else _("Save")),
            "question": _("Take this step now: %(step)s?") % {"step": step.label},
        }

    def confirmation_lines(self, obj) -> list[str]:
        return self.confirmation(obj, self.get_step())

    def confirmation(self, obj, step: Step) -> list[str]:
        """Lines the confirm page shows above its button: what the step will do (a step
        that sends e-mails says how many)."""
        return []


def step_view(workflow: Workflow, **attributes):
    """The view of a workflow's steps for a URL: ``StepView`` configured by ``attributes``."""
    name = "".join(part.title() for part in workflow.name.replace(".", "_").split("_"))
    return type(f"{name}StepView", (StepView,), {"workflow": workflow, **attributes}).as_view()
