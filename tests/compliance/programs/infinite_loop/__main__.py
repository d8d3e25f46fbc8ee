import pulumi

while True:
    pass
