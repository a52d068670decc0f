# dateutil documentation, "Examples" (relativedelta, parser)
from datetime import datetime

from dateutil.parser import parse
from dateutil.relativedelta import FR, relativedelta

now = parse("Sat Oct 11 17:13:46 UTC 2003")
today = now.date()
print(today + relativedelta(months=+1, weeks=+1))
print(today + relativedelta(day=31, weekday=FR(-1)))
print(relativedelta(datetime(2003, 10, 24, 10, 0), datetime(2003, 1, 1)))
