import matplotlib.pyplot as plt

xs = list(range(10))
squares = [x * x for x in xs]
plt.title("squares")
plt.plot(xs, squares, marker="o")
