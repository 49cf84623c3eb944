import type { Handler } from '../ipc/router';
import { interpretCommand } from '../services/voice/intents';

export const voiceCommandHandler: Handler<'VoiceCommand'> = {
  run: (data) => interpretCommand(data),
  summarize: (data) => ({ source: data.metadata.source, chars: data.text.length }),
};
