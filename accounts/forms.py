from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignupForm(UserCreationForm[User]):
    """Sign-up with a username, an optional e-mail address and a password."""

    class Meta:
        model = User
        fields = ("username", "email")
