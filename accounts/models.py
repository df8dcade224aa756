"""User accounts with one role and the scope that role works in (domain brief §6)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import roles
from core.roles import Role
from core.scoping import CHANGE, role_of

# The roles are declared once, in core.roles; the user model stores one of them.
UserRole = Role


CENTER_USER_ROLES = roles.CENTER_STAFF


class UserQuerySet(models.QuerySet):
    editor_roles = roles.editors("accounts.User")

    def for_user(self, user, action: str = "view"):
        """Accounts are managed by the Agency administrator alone."""
        if role_of(user) == UserRole.AGENCY_ADMIN:
            return self
        if action != CHANGE and user.is_authenticated:
            return self.filter(pk=user.pk)
        return self.none()


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=30, choices=UserRole.choices, blank=True)
    bureau = models.ForeignKey(
        "organizations.Bureau",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("bureau"),
        help_text=_("For bureau officers."),
    )
    center = models.ForeignKey(
        "organizations.Center",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("center"),
        help_text=_("For center managers and coordinators."),
    )
    implementing_body = models.ForeignKey(
        "organizations.ImplementingBody",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("implementing body"),
        help_text=_("For accounts of an implementing body: the centers it runs."),
    )
    assigned_centers = models.ManyToManyField(
        "organizations.Center",
        blank=True,
        related_name="assigned_experts",
        verbose_name=_("assigned centers"),
        help_text=_("For HQ experts: the centers they look after."),
    )
    person = models.OneToOneField(
        "organizations.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("staff record"),
    )

    objects = UserManager()
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"], m2m_fields=[assigned_centers]
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        full = self.get_full_name()
        return f"{full}（{self.username}）" if full else self.username

    def get_absolute_url(self):
        return reverse("accounts:user_update", args=[self.pk])

    def get_full_name(self):
        # Japanese order: family name first.
        return f"{self.last_name} {self.first_name}".strip()

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.role == UserRole.BUREAU_OFFICER and not self.bureau_id:
            errors["bureau"] = _("A bureau officer needs a bureau.")
        if self.role in CENTER_USER_ROLES and not self.center_id:
            errors["center"] = _("This role needs a center.")
        if self.role != UserRole.BUREAU_OFFICER and self.bureau_id:
            errors["bureau"] = _("Only bureau officers have a bureau.")
        if self.role not in CENTER_USER_ROLES and self.center_id:
            errors["center"] = _("Only center managers and coordinators have a center.")
        if self.role == UserRole.IMPLEMENTING_BODY and not self.implementing_body_id:
            errors["implementing_body"] = _("An implementing body's account needs its body.")
        if self.role != UserRole.IMPLEMENTING_BODY and self.implementing_body_id:
            errors["implementing_body"] = _("Only an implementing body's account has a body.")
        if self.role in roles.BOARD and not self.person_id:
            # The board is its HQ staff records: the account is one member's.
            errors["person"] = _(
                "An advisory-board member's account belongs to their HQ staff record."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def scope_label(self) -> str:
        if self.role == UserRole.BUREAU_OFFICER and self.bureau_id:
            return str(self.bureau)
        if self.role in CENTER_USER_ROLES and self.center_id:
            return str(self.center)
        if self.role == UserRole.IMPLEMENTING_BODY and self.implementing_body_id:
            return str(self.implementing_body)
        if self.role == UserRole.HQ_EXPERT:
            return _("Assigned centers")
        if self.role == UserRole.SUPPORTER:
            return _("Assigned support requests")
        if self.role in {UserRole.AGENCY_ADMIN, UserRole.HQ_STAFF}:
            return _("Nationwide")
        return ""


def all_roles() -> list[str]:
    return list(UserRole.values)


def default_api_roles() -> list[str]:
    """The roles that work on the centers' records may use the API unless the Agency says not."""
    from core import roles

    return sorted(roles.CENTER_WORK)


def default_client_retention_years() -> int:
    return settings.CLIENT_RETENTION_YEARS


class SecurityPolicy(models.Model):
    """The Agency's security settings: one row (pk 1); its absence means the defaults."""

    mfa_roles = models.JSONField(
        _("roles that need two-step login"),
        default=all_roles,
        blank=True,
        help_text=_("Users of these roles must enrol an authenticator app and give its code."),
    )

    client_retention_years = models.PositiveSmallIntegerField(
        _("years client identity is kept"),
        default=default_client_retention_years,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "After this many years without a session, a client's name, contacts and "
            "corporate number are removed by the daily work; its pseudonym stays, so its "
            "sessions still count in the indicators and the history stays whole."
        ),
    )

    api_roles = models.JSONField(
        _("roles that may use the API"),
        default=default_api_roles,
        blank=True,
        help_text=_(
            "Users of these roles may create personal API tokens and use the API; "
            "the tokens of other roles are refused."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")

    def __str__(self):
        return str(_("Security policy"))

    @classmethod
    def current(cls) -> "SecurityPolicy":
        """The stored policy, or the default one (unsaved: a read never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class SecurityEventKind(models.TextChoices):
    MFA_ENROLLED = "mfa_enrolled", _("Two-step login set up")
    MFA_RESET = "mfa_reset", _("Two-step login reset")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
    IDLE_LOGOUT = "idle_logout", _("Logged out after inactivity")
    CLIENTS_PSEUDONYMISED = "clients_pseudonymised", _("Client identities removed (retention)")
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")


class SecurityEvent(models.Model):
    """An append-only record of a change to how an account logs in, with who and when.

    Logins, logouts and failures are django-axes's AccessLog and AccessFailureLog.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=SecurityEventKind.choices)
    account = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="security_events",
        verbose_name=_("account"),
    )
    username = models.CharField(_("user name"), max_length=150)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Security events are never changed.")
        super().save(*args, **kwargs)

    @classmethod
    def record(cls, kind, *, account, actor=None, request=None, detail="") -> "SecurityEvent":
        address = request.META.get("REMOTE_ADDR") if request is not None else None
        return cls.objects.create(
            kind=kind,
            account=account,
            username=account.username,
            actor=actor,
            ip_address=address,
            detail=detail[:255],
        )
