# attrs documentation, "Overview" (the classic attr namespace)
import attr


@attr.s(auto_attribs=True)
class SomeClass:
    a_number: int = 42
    list_of_numbers: list = attr.Factory(list)

    def hard_math(self, another_number):
        return self.a_number + sum(self.list_of_numbers) * another_number


sc = SomeClass(1, [1, 2, 3])
print(sc, sc.hard_math(3), attr.asdict(sc))
