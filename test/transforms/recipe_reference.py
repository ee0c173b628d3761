"""torchvision's printed form of the transforms that recipe steps stand for, printed as JSON {recipe step: repr}.
Run by test/transforms/recipe.test.ts with Debian's /usr/bin/python3 (torchvision 0.14)."""
import json

import torchvision.transforms as T

cases = {
    'hflip': T.RandomHorizontalFlip(),
    'vflip(0.3)': T.RandomVerticalFlip(0.3),
    'rotate(15)': T.RandomRotation(15),
    'rotate(degrees=-10-20,expand=true)': T.RandomRotation((-10, 20), expand=True),
    'affine(rotate=15,translate=0.1,scale=0.9-1.1)': T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1)),
    'affine(degrees=-5--1,shear=10)': T.RandomAffine((-5, -1), shear=10),
    'randomResizedCrop(56,scale=0.5-1.0)': T.RandomResizedCrop(56, scale=(0.5, 1.0), antialias=True),
    'randomResizedCrop(size=24x32)': T.RandomResizedCrop((24, 32), antialias=True),
    'randomCrop(28,padding=2)': T.RandomCrop(28, padding=2),
    'colorJitter(0.4,0.4,0.4)': T.ColorJitter(0.4, 0.4, 0.4),
    'colorJitter(hue=0.1)': T.ColorJitter(hue=0.1),
    'grayscale(0.2)': T.RandomGrayscale(0.2),
    'gaussianBlur(5,sigma=0.1-2.0)': T.GaussianBlur(5, sigma=(0.1, 2.0)),
    'equalize': T.RandomEqualize(),
    'autocontrast(0.3)': T.RandomAutocontrast(0.3),
    'randomErasing(0.5)': T.RandomErasing(0.5),
    'randomErasing(p=0.25,scale=0.1-0.2,ratio=0.5-2.0,value=random)': T.RandomErasing(p=0.25, scale=(0.1, 0.2), ratio=(0.5, 2.0), value='random'),
    'randAugment(2,9)': T.RandAugment(2, 9),
    'trivialAugment': T.TrivialAugmentWide(),
}
print(json.dumps({step: repr(t) for step, t in cases.items()}))
