"""Generated over every workflow of the registry: nobody is told about a record outside
their scope, even when a step's declaration names them."""

import dataclasses

import pytest

from conftest import make_person, make_training
from core.tests.test_authorization import tokyo_objects
from core.workflow import registry
from notifications.models import Notification
from notifications.notify import on_step_taken


def registration(tokyo):
    """A Tokyo staff member registered for a training (the matrix has no page of its own)."""
    from support.models import TrainingRegistration

    return TrainingRegistration.objects.create(
        event=make_training(), person=make_person(tokyo), center=tokyo
    )


# Notifying workflows whose records the authorization matrix does not build.
EXTRA = {"support.TrainingRegistration": registration}

# A step per workflow with a notify declaration, as (workflow, step) names.
NOTIFYING = sorted(
    (workflow.name, step.name)
    for workflow in registry.values()
    for step in workflow.steps
    if step.notify is not None
)


def test_the_workflows_declare_whom_they_tell():
    assert len({w for w, _s in NOTIFYING}) >= 10


@pytest.mark.parametrize("workflow_name,step_name", NOTIFYING)
def test_nobody_is_told_about_a_record_outside_their_scope(
    personas, tokyo, workflow_name, step_name
):
    workflow = registry[workflow_name]
    step = workflow.step(step_name)
    label = workflow.model._meta.label
    objects = tokyo_objects(personas, tokyo)
    obj = objects[label] if label in objects else EXTRA[label](tokyo)
    Notification.objects.all().delete()  # building the record took steps that told people
    declared = {u.pk for u in step.notify(obj) or []}
    everyone = list(personas.values())
    # The worst declaration: every persona. Only those who may see the record are told.
    widened = dataclasses.replace(step, notify=lambda _obj: everyone)
    on_step_taken(None, workflow=workflow, obj=obj, step=widened, user=None, reason="")
    told = set(Notification.objects.values_list("user__username", flat=True))
    for name, user in personas.items():
        sees = workflow.model.objects.for_user(user).filter(pk=obj.pk).exists()
        assert (name in told) == sees, f"{name} {'not ' if sees else ''}told of {obj}"
    Notification.objects.all().delete()
    # The declaration as written tells only people in scope too.
    on_step_taken(None, workflow=workflow, obj=obj, step=step, user=None, reason="")
    for note in Notification.objects.select_related("user"):
        assert workflow.model.objects.for_user(note.user).filter(pk=obj.pk).exists()
        assert note.user_id in declared
