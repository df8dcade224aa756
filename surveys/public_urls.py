from django.urls import path

from . import public

app_name = "answer"

urlpatterns = [
    path("thanks/", public.thanks, name="thanks"),
    path("<str:token>/", public.answer, name="answer"),
]
