# Rich README, "Tables"
from rich.console import Console
from rich.table import Table

console = Console(width=80)
table = Table(show_header=True, header_style="bold magenta")
table.add_column("Date", style="dim", width=12)
table.add_column("Title")
table.add_column("Production Budget", justify="right")
table.add_row("Dec 20, 2019", "Star Wars: The Rise of Skywalker", "$275,000,000")
table.add_row("May 25, 2018", "Solo: A Star Wars Story", "$275,000,000")
console.print(table)
