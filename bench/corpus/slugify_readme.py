# python-slugify README, "How to use"
from slugify import slugify

print(slugify("This is a test ---"))
print(slugify("影師嗎"))
print(slugify("C'est déjà l'été."))
