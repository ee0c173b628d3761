// The transforms namespace: torchvision-named augmentations, each a functional kernel and a random class.
export { MixingTransform, Transform, type MixingContext } from './transform.js';
export { defineTransform, show, type OptionSchema, type ParameterKind, type TransformSchema } from './schema.js';
export * as functional from './functional/index.js';
export {
  CenterCrop, Pad, RandomAffine, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip, Resize,
  type PadOptions, type RandomAffineOptions, type RandomCropOptions, type RandomResizedCropOptions, type RandomRotationOptions, type ResizeOptions,
} from './geometry.js';
export {
  CLAHE, ColorJitter, GaussianBlur, GaussianNoise, Grayscale, Normalize, RandomAdjustSharpness, RandomAutocontrast, RandomEqualize, RandomGrayscale,
  RandomInvert, RandomPosterize, RandomSolarize, ToDtype, type CLAHEOptions, type ColorJitterOptions, type GaussianNoiseOptions,
} from './color.js';
export { applyByImage, applyWithProbability, Compose, RandomApply, RandomChoice, RandomKernelTransform, RandomOrder } from './containers.js';
export { describeRecipe, fittedStateDict, loadFittedStateDict, parseRecipe, recipeNames, type FittedTransform, type ParseRecipeOptions, type Recipe, type RecipeStep } from './recipe.js';
export { Cutout, GridMask, HideAndSeek, RandomErasing, type CutoutOptions, type GridMaskOptions, type HideAndSeekOptions, type RandomErasingOptions } from './erasing.js';
export {
  checkVolume, RandomVolumeAffine, RandomVolumeFlip, RandomVolumeRotate90, volumeAffine, volumeAffineMatrix,
  type RandomVolumeAffineOptions, type RandomVolumeFlipOptions, type RandomVolumeRotate90Options, type VolumeAffineOptions, type VolumeAffineParams,
} from './volume.js';
export { adaInDecoder, adaInEncoder, adaptiveInstanceNormalization, MixStyle, StyleAugment, styleTransfer, type StyleAugmentOptions } from './style.js';
export { CutMix, Mixup, MixupCutmix, Mosaic, softTargets, type CutMixOptions, type MixMode, type MixParams, type MixupCutmixOptions, type MixupOptions, type MosaicOptions, type MosaicParams } from './mixing.js';
export { AdversarialErasing, classActivationMap, gradCam, type AdversarialErasingOptions } from './adversarial-erasing.js';
export { FeaturewiseStandardization, ZCAWhitening, type FeaturewiseStandardizationOptions, type FitSource, type ZCAWhiteningOptions } from './statistics.js';
export {
  applyOp, augmentationSpace, AUTO_AUGMENT_POLICIES, AutoAugment, RandAugment, TrivialAugmentWide,
  type AutoAugmentOptions, type AutoAugmentPolicy, type DrawnOp, type PolicyOp, type RandAugmentOptions, type TrivialAugmentWideOptions,
} from './policies.js';
