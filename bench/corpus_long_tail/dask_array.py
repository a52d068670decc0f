# expect: success
# Dask documentation, "Dask Array" (create and compute); with dask alone it says to
# `pip install "dask[array]"`.
import dask.array as da

x = da.ones((1000, 1000), chunks=(250, 250))
print(float((x + x.T).sum().compute()))
