// electron-builder afterPack hook, used only by tests/integration/package-layout.test.ts.
// The `dir` target writes no .desktop file (deb and AppImage do, and both need tools that
// electron-builder downloads), so this asks electron-builder's own LinuxTargetHelper, the
// code those targets use, for the desktop entry and icon set it would install, and writes
// them beside the unpacked app as layout-probe.json.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LinuxTargetHelper } from 'app-builder-lib/out/targets/LinuxTargetHelper.js';

export default async function afterPack(context) {
  const { packager } = context;
  const helper = new LinuxTargetHelper(packager);
  const desktopEntry = await helper.computeDesktopEntry(packager.platformSpecificBuildOptions);
  const icons = await helper.icons;
  const probe = {
    appId: packager.appInfo.id,
    productName: packager.appInfo.productName,
    executableName: packager.executableName,
    desktopFileName: `${helper.getDesktopFileName()}.desktop`,
    desktopEntry,
    icons: icons.map((icon) => ({ file: icon.file, size: icon.size })),
  };
  await writeFile(path.join(context.outDir, 'layout-probe.json'), JSON.stringify(probe, null, 2));
}
