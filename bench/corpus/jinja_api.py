# Jinja documentation, "API: Basics"
from jinja2 import Environment, select_autoescape
from markupsafe import escape

env = Environment(autoescape=select_autoescape())
template = env.from_string("Hello {{ name }}! {% for x in items %}[{{ x }}]{% endfor %}")
print(template.render(name="<World>", items=[1, 2, 3]))
print(escape("<b>safe</b>"))
