def area(r):
    return 3.14159 * r * r


def ratio(a, b):
    return a / b


def main():
    sizes = [1, 2, 3]
    print("areas of", sizes)
    return [round(area(s), 2) for s in sizes]


area(2)
