"""The bureau's contract (委託契約) with the implementing body that runs a center, per
fiscal year (domain brief §2): its period and amount, every amendment with its reason,
and the decided budget line it follows (``actions.py``).

The contracts of a center, year after year, are the history of the bodies that ran it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import roles
from core.scoping import VIEW, ScopedQuerySet, role_of
from organizations.models import Center, ImplementingBody
from planning.models import FiscalYear


class ContractQuerySet(ScopedQuerySet):
    center_lookup = "center"
    editor_roles = roles.editors("contracts.Contract")

    def for_user(self, user, action: str = VIEW):
        """The bureau's contracts: the Agency and HQ, the bureau, the body that signed
        it and the center it runs read them; coordinators and HQ experts do not."""
        role = role_of(user)
        if role not in roles.CONTRACT_READERS:
            return self.none()
        scoped = super().for_user(user, action)
        if role in roles.BODY:
            # Its own contracts, not those its center's earlier body signed.
            return scoped.filter(body_id=user.implementing_body_id)
        return scoped


class Contract(models.Model):
    """One fiscal year's contract between a bureau and the body that runs one center."""

    body = models.ForeignKey(
        ImplementingBody,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("implementing body"),
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("center")
    )
    fiscal_year = models.ForeignKey(
        FiscalYear,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("fiscal year"),
    )
    signed_on = models.DateField(_("signed on"))
    start_date = models.DateField(_("period from"))
    end_date = models.DateField(_("period to"))
    amount = models.PositiveBigIntegerField(
        _("contracted amount (yen)"), help_text=_("As amended; the first amount is kept.")
    )
    original_amount = models.PositiveBigIntegerField(_("amount when signed (yen)"))
    budget_line = models.OneToOneField(
        "evaluation.BudgetLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contract",
        verbose_name=_("budget line"),
    )
    difference_reason = models.TextField(
        _("why the contracted amount differs from the budget line"), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["center__code", "-fiscal_year__year"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["center", "fiscal_year"], name="one_contract_a_year"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="contract_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.fiscal_year} {self.center.name} {_('contract')}"

    def get_absolute_url(self):
        return reverse("contracts:detail", args=[self.pk])

    @property
    def difference(self) -> int | None:
        """Contracted amount minus the budget line's (None: no line linked)."""
        if self.budget_line_id is None:
            return None
        return self.amount - self.budget_line.amount


class Amendment(models.Model):
    """A change to a contract (変更契約): when, why, and the amount and end before and after."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    amended_on = models.DateField(_("amended on"))
    reason = models.TextField(_("reason for the amendment"))
    amount_before = models.PositiveBigIntegerField(_("amount before (yen)"))
    amount_after = models.PositiveBigIntegerField(_("amount after (yen)"))
    end_before = models.DateField(_("end before"))
    end_after = models.DateField(_("end after"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["amended_on", "id"]
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self):
        return f"{self.contract} {self.amended_on:%Y-%m-%d}"
