from django.urls import include, path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    # login, logout, password change and reset, with templates in templates/registration/.
    path("", include("django.contrib.auth.urls")),
]
