# expect: success
# pandas user guide, "IO tools: HDF5 (PyTables)": pandas asks for "pytables", whose
# distribution and module are both `tables`.
import numpy as np
import pandas as pd

store = pd.HDFStore("store.h5")
store["df"] = pd.DataFrame(np.arange(6).reshape(3, 2), columns=["A", "B"])
print(store["df"].sum().to_dict())
store.close()
