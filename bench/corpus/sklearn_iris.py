# scikit-learn examples/linear_model (logistic regression on the iris dataset, shipped with sklearn)
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = datasets.load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(f"accuracy: {model.score(X_test, y_test):.2f}")
