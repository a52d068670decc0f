# Pillow tutorial, "Using the Image class" and ImageDraw
from PIL import Image, ImageDraw, ImageFilter

im = Image.new("RGB", (128, 128), "white")
draw = ImageDraw.Draw(im)
draw.line((0, 0) + im.size, fill=128)
draw.ellipse((32, 32, 96, 96), outline="red")
blurred = im.filter(ImageFilter.BLUR)
blurred.save("/tmp/pillow-tutorial.png")
print(im.format, im.size, im.mode, blurred.getpixel((64, 64)))
