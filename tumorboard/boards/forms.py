from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from tumorboard.forms import Form, VersionField


class BoardForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    active = BooleanField("Active (accepts cases and meetings)", default=True)
    submit = SubmitField("Save")


class EditBoardForm(BoardForm):
    version = VersionField()
