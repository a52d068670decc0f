# OpenCV-Python tutorials, "Changing Colorspaces" (on a synthetic image: no files, no display)
import cv2
import numpy as np

frame = np.zeros((64, 64, 3), np.uint8)
frame[16:48, 16:48] = (255, 0, 0)
hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
mask = cv2.inRange(hsv, np.array([110, 50, 50]), np.array([130, 255, 255]))
print(cv2.__version__ is not None, int(mask.sum() / 255))
