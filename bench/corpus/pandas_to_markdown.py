# pandas "10 minutes to pandas" (object creation, describe) and DataFrame.to_markdown,
# whose optional dependency (tabulate) only shows as missing once pandas is installed.
import numpy as np
import pandas as pd

dates = pd.date_range("20130101", periods=6)
df = pd.DataFrame(np.arange(24).reshape(6, 4), index=dates, columns=list("ABCD"))
print(df.describe())
print(df.head(3).to_markdown())
