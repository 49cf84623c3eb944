/** Renderer names of software WebGL: Chromium's SwiftShader (no GPU, `--disable-gpu`, headless), Mesa's llvmpipe and softpipe, Windows' Basic Render Driver. */
const softwareRenderers = /swiftshader|llvmpipe|softpipe|software|basic render driver/i;

/**
 * True when WebGL2 runs on a real GPU. Without one, Chromium still offers WebGL through
 * SwiftShader, and xterm.js's WebGL renderer then draws every frame on the CPU, slower than
 * its DOM renderer; the terminal uses the DOM renderer there instead.
 */
export function hasHardwareWebgl(): boolean {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (!gl) return false;
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer: unknown = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
    return typeof renderer === 'string' && !softwareRenderers.test(renderer);
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
