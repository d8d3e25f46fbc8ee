import pulumi


def broken(:
    pass
