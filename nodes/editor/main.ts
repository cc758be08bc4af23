/**
 * Entry of the editor bundle (built by scripts/build-editor.js into the one `<script>` of
 * dist/ayla-dss.html): registers the account, the five event-in types and the out node, keeps accounts'
 * validity in step with their users, and migrates our nodes as flows are loaded or imported. It defines no global; Node-RED's `RED` and jQuery's `$`
 * are the only ones it uses.
 */
import { registerAccountType } from './account-type';
import { registerDatapointOutType } from './datapoint-out-type';
import { followAccountUsers } from './account-validity';
import { registerEventInTypes } from './event-in-types';
import { installFlowImport } from './flow-import';

// The account first: its registered definition translates for every type (translate.ts).
registerAccountType();
registerEventInTypes();
registerDatapointOutType();
followAccountUsers();
// Before Node-RED loads the flows (it runs the node definitions first): see flow-import.ts.
installFlowImport();
