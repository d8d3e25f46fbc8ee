import pulumi

pulumi.export("greeting", "hello")
