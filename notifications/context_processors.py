from django.utils.functional import SimpleLazyObject

from .models import Notification


def bell(request):
    """The unread count of the header's bell; counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user).unread().count()
        )
    }
