# Click documentation, "Quickstart" and "Testing Click Applications"
import click
from click.testing import CliRunner


@click.command()
@click.option("--count", default=1, help="Number of greetings.")
@click.argument("name")
def hello(count, name):
    for _ in range(count):
        click.echo(f"Hello {name}!")


result = CliRunner().invoke(hello, ["--count", "2", "Peter"])
print(result.output, result.exit_code)
