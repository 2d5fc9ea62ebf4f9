// Team & settings → Macros: the team's macros, which every agent sees in a chat's Macros menu. Admins write them (the
// server audits each change); the editor is the one agents use for their own (personal-macros.tsx).
import { MacrosEditor } from './personal-macros.tsx';

export function MacrosTab() {
  return <MacrosEditor scope="team" />;
}
