from django.urls import include, path

from accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.SignInView.as_view(), name="login"),  # before Django's, to replace it
    # logout, password change and reset, with templates in templates/registration/.
    path("", include("django.contrib.auth.urls")),
]
