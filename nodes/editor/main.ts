/**
 * Entry of the editor bundle (built by scripts/build-editor.js into the one `<script>` of
 * dist/ayla-dss.html): registers the account and the five event-in types, and keeps accounts'
 * validity in step with their users. It defines no global; Node-RED's `RED` and jQuery's `$`
 * are the only ones it uses.
 */
import { registerAccountType } from './account-type';
import { followAccountUsers } from './account-validity';
import { registerEventInTypes } from './event-in-types';

// The account first: its registered definition translates for every type (translate.ts).
registerAccountType();
registerEventInTypes();
followAccountUsers();
