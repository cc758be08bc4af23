/**
 * What the account dialog offers for a region: the deployments and client types Ayla runs
 * there and the URLs they resolve to, straight from the runtime's endpoint table (bundled, so
 * the dialog needs no request and cannot disagree with the runtime).
 */
import { CLIENT_TYPES, deploymentsFor, EndpointError, REGIONS, resolveEndpoints, type Endpoints, type Region } from '../lib/endpoints';

/** The choices for one region; `null` lists mean "all" (the custom region takes anything). */
export interface EndpointChoices {
  deployments: string[] | null;
  clientTypes: string[] | null;
  /** The URLs of the chosen combination, or null for the custom region or a combination that does not exist. */
  resolved: Endpoints | null;
}

function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}

/** The resolved URLs, or null where the table has no such combination. */
function resolvedOrNull(region: string, deployment: string, clientType: string): Endpoints | null {
  try {
    return resolveEndpoints({ region, deployment, clientType });
  } catch (error) {
    if (error instanceof EndpointError) return null;
    throw error;
  }
}

/**
 * The choices for `region` given the current `deployment`. Client types are those the table
 * has for that deployment, or for the region's first deployment when the current one does not
 * exist there (the dialog then moves to that one).
 */
export function endpointChoices(region: string, deployment: string, clientType: string): EndpointChoices {
  if (region === 'custom' || !isRegion(region)) return { deployments: null, clientTypes: null, resolved: null };
  const deployments = deploymentsFor(region);
  const effective = (deployments as readonly string[]).includes(deployment) ? deployment : deployments[0];
  const clientTypes = effective === undefined ? [] : CLIENT_TYPES.filter((type) => resolvedOrNull(region, effective, type) !== null);
  return { deployments, clientTypes, resolved: effective === undefined ? null : resolvedOrNull(region, effective, clientType) };
}
