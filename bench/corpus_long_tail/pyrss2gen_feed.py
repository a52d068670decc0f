# expect: success
# PyRSS2Gen README example (a feed built from items); a single-module sdist from 2013.
import datetime
import io

import PyRSS2Gen

rss = PyRSS2Gen.RSS2(
    title="Andrew's PyRSS2Gen feed",
    link="http://www.dalkescientific.com/Python/PyRSS2Gen.html",
    description="The latest news about PyRSS2Gen, a Python library for generating RSS2 feeds",
    lastBuildDate=datetime.datetime(2024, 1, 1),
    items=[PyRSS2Gen.RSSItem(
        title="PyRSS2Gen-0.0 released",
        link="http://www.dalkescientific.com/news/030906-PyRSS2Gen.html",
        description="Dalke Scientific today announced PyRSS2Gen-0.0.",
        guid=PyRSS2Gen.Guid("http://www.dalkescientific.com/news/030906-PyRSS2Gen.html"),
        pubDate=datetime.datetime(2003, 9, 6, 21, 31))])
out = io.StringIO()
rss.write_xml(out)
print(out.getvalue()[:80])
