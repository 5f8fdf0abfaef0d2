// Domain modules that hook into start-up or shutdown register themselves when imported here.
import './runs/engine/lifecycle';
export {};
