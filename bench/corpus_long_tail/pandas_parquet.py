# expect: success
# pandas user guide, "IO tools: Parquet" (DataFrame.to_parquet / read_parquet): with pandas
# alone it fails with "Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'".
import pandas as pd

df = pd.DataFrame({"a": list("abc"), "b": list(range(1, 4)), "c": [1.0, 2.0, 3.0]})
df.to_parquet("example.parquet")
print(pd.read_parquet("example.parquet").dtypes.to_dict())
