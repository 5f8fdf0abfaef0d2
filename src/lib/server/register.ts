// Domain modules that hook into start-up or shutdown register themselves when imported here.
import './jobs/register';
import './backups/register';
export {};
