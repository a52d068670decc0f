# A scraper in the style of the Requests and Beautiful Soup docs, with no network:
# a prepared request, a parsed page, dates read from it.
import requests
from bs4 import BeautifulSoup
from dateutil import parser as dates

request = requests.Request("GET", "https://example.com/news", params={"page": 2}).prepare()
page = "<ul><li><time>2024-05-01T10:00</time> one</li><li><time>2024-06-02</time> two</li></ul>"
soup = BeautifulSoup(page, "html.parser")
print(request.url)
print([dates.parse(t.text).date().isoformat() for t in soup.find_all("time")])
