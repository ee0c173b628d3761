// A Grad-CAM heatmap over its image in the jet colormap, as pytorch-grad-cam's show_cam_on_image, and images put
// into [0, 1] to be looked at.
import { describe } from '../torch/check.js';
import { stack } from '../torch/functions.js';
import { tidy } from '../torch/scope.js';
import { Tensor } from '../torch/tensor.js';

/** Each image of an N×C×H×W batch stretched to [0, 1] by its own min and max (torchvision make_grid's scale_each). */
export function scaleEach(images: Tensor): Tensor {
  if (!(images instanceof Tensor) || images.ndim !== 4) throw new TypeError(`scaleEach: expects an N×C×H×W batch, got ${describe(images)}`);
  return tidy(() => {
    const flat = images.to('float32').flatten(1);
    const low = flat.min(1, true).values;
    const range = flat.max(1, true).values.sub(low).clamp(1e-5, Infinity);
    return flat.sub(low).div(range).reshape(images.shape);
  });
}

/** Jet (blue → cyan → yellow → red) of values in [0, 1], N×H×W → N×3×H×W: the piecewise-linear form of matplotlib's. */
export function jet(values: Tensor): Tensor {
  return tidy(() => {
    const v = values.clamp(0, 1).mul(4);
    // each channel is a tent of width 3 centred at 3 (red), 2 (green) and 1 (blue) on the 0..4 scale
    return stack([3, 2, 1].map((centre) => v.sub(centre).abs().neg().add(1.5).clamp(0, 1)), 1);
  });
}

/**
 * Heatmaps N×H×W in [0, 1] coloured and blended over images N×C×H×W in [0, 1] (gray repeated to RGB): half the
 * image and half the colour, pytorch-grad-cam's image_weight of 0.5.
 */
export function overlayHeatmap(images: Tensor, heatmaps: Tensor, imageWeight = 0.5): Tensor {
  if (!(images instanceof Tensor) || images.ndim !== 4 || !(heatmaps instanceof Tensor) || heatmaps.ndim !== 3 ||
    heatmaps.shape[0] !== images.shape[0] || heatmaps.shape[1] !== images.shape[2] || heatmaps.shape[2] !== images.shape[3]) {
    throw new TypeError(`overlayHeatmap: expects images N×C×H×W and heatmaps N×H×W of the same N, H and W, got ${describe(images)} and ${describe(heatmaps)}`);
  }
  return tidy(() => {
    const rgb = images.shape[1] === 1 ? images.repeat(1, 3, 1, 1) : images.narrow(1, 0, 3);
    return rgb.to('float32').mul(imageWeight).add(jet(heatmaps).mul(1 - imageWeight));
  });
}
