# expect: refused
# A slip of the keyboard: never installed (a typo-squat's favourite name), suggestions given.
import reqeusts

print(reqeusts.get)
