// Photos are shrunk on the phone before they are queued: about 1600 px on the long side for the
// evidence, 320 px for the thumbnail. Canvas output carries no EXIF, so what leaves the phone
// has no embedded GPS position either (the case has its own, chosen position).
const LONG_SIDE = 1600;
const THUMB_SIDE = 320;

async function decode(file) {
  if ('createImageBitmap' in window) {
    try { return await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch { /* fall back below */ }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally { URL.revokeObjectURL(url); }
}

function draw(image, side, quality) {
  const w = image.width, h = image.height;
  const scale = Math.min(1, side / Math.max(w, h));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(w * scale));
  canvas.height = Math.max(1, Math.round(h * scale));
  canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
}

/** { photo, thumb } JPEG blobs from a camera or gallery file. */
export async function shrink(file) {
  const image = await decode(file);
  const photo = await draw(image, LONG_SIDE, 0.82);
  const thumb = await draw(image, THUMB_SIDE, 0.7);
  image.close?.();
  return { photo, thumb };
}

/** A photo picker: two inputs (camera, gallery) feeding a list of at most max shrunk photos with previews. */
export function picker(root, max, onChange = () => {}) {
  const list = [];
  const previews = root.querySelector('.photo-previews');
  const count = root.querySelector('.photo-count');
  const render = () => {
    previews.innerHTML = '';
    list.forEach((p, i) => {
      const fig = document.createElement('figure');
      const img = document.createElement('img');
      img.src = URL.createObjectURL(p.thumb);
      img.alt = `${i + 1}`;
      const del = document.createElement('button');
      del.type = 'button'; del.className = 'photo-remove'; del.textContent = '×';
      del.setAttribute('aria-label', root.dataset.removeLabel || 'remove');
      del.onclick = () => { list.splice(i, 1); render(); };
      fig.append(img, del);
      previews.append(fig);
    });
    if (count) count.textContent = `${list.length}/${max}`;
    root.querySelectorAll('input[type=file]').forEach((input) => { input.disabled = list.length >= max; });
    onChange(list);
  };
  root.querySelectorAll('input[type=file]').forEach((input) => {
    input.addEventListener('change', async () => {
      for (const file of input.files) {
        if (list.length >= max) break;
        try { list.push(await shrink(file)); } catch { /* not an image the browser can read: skipped */ }
      }
      input.value = '';
      render();
    });
  });
  render();
  return { get photos() { return [...list]; }, clear() { list.length = 0; render(); } };
}
